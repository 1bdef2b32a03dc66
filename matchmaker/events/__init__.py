"""Matchmaking events (产教对接活动): scheduling accepted meeting requests into time slots and tables."""
