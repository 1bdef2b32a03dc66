"""marshmallow schemas: API input and output, import rows."""
