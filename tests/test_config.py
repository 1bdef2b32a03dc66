"""Settings: defaults, a TOML file, MATCHMAKER_* environment and overrides, validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from matchmaker.config import SETTINGS, ConfigError, load_settings


def test_defaults_put_all_state_under_home(tmp_path):
    settings = load_settings({"HOME": str(tmp_path / "inst")}, environ={})

    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'matchmaker.db'}"
    assert settings["EMBEDDING_MODEL"] == str(tmp_path / "inst" / "models" / "multilingual-e5-small")
    assert settings["PRODUCTION"] is False


def test_layers_in_order_file_then_environment_then_overrides(tmp_path):
    config_file = tmp_path / "matchmaker.toml"
    config_file.write_text('WORKERS = 3\nLOG_LEVEL = "WARNING"\nDATABASE_URL = "postgresql+psycopg://db/x"\n')
    environ = {
        "MATCHMAKER_CONFIG_FILE": str(config_file),
        "MATCHMAKER_WORKERS": "5",
        "MATCHMAKER_PRODUCTION": "yes",
        "MATCHMAKER_HOME": str(tmp_path),
    }

    settings = load_settings({"WORKERS": 7}, environ=environ)

    assert settings["LOG_LEVEL"] == "WARNING"  # from the file
    assert settings["DATABASE_URL"] == "postgresql+psycopg://db/x"
    assert settings["PRODUCTION"] is True  # from the environment
    assert settings["WORKERS"] == 7  # overrides win


@pytest.mark.parametrize(
    ("environ", "overrides", "named"),
    [
        ({"MATCHMAKER_WORKERS": "many"}, {}, "MATCHMAKER_WORKERS"),
        ({"MATCHMAKER_PRODUCTION": "perhaps"}, {}, "MATCHMAKER_PRODUCTION"),
        ({"MATCHMAKER_WORKERS": "0"}, {}, "MATCHMAKER_WORKERS"),
        ({"MATCHMAKER_LOG_LEVEL": "LOUD"}, {}, "MATCHMAKER_LOG_LEVEL"),
        ({}, {"NO_SUCH_SETTING": 1}, "NO_SUCH_SETTING"),
        ({"MATCHMAKER_CONFIG_FILE": "/nonexistent/matchmaker.toml"}, {}, "MATCHMAKER_CONFIG_FILE"),
        ({"MATCHMAKER_SEARCH_BACKEND": "solr"}, {}, "MATCHMAKER_SEARCH_BACKEND"),
        ({"MATCHMAKER_SEARCH_BACKEND": "elasticsearch"}, {}, "MATCHMAKER_ELASTICSEARCH_URL"),
        ({"MATCHMAKER_ELASTICSEARCH_PASSWORD": "secret"}, {}, "MATCHMAKER_ELASTICSEARCH_PASSWORD"),
        ({"MATCHMAKER_ELASTICSEARCH_API_KEY": "k", "MATCHMAKER_ELASTICSEARCH_USERNAME": "u"}, {}, "API_KEY"),
        ({"MATCHMAKER_ELASTICSEARCH_INDEX_PREFIX": "Matchmaker*"}, {}, "MATCHMAKER_ELASTICSEARCH_INDEX_PREFIX"),
        ({"MATCHMAKER_ELASTICSEARCH_REPLICAS": "some"}, {}, "MATCHMAKER_ELASTICSEARCH_REPLICAS"),
    ],
)
def test_bad_settings_name_the_setting(tmp_path, environ, overrides, named):
    with pytest.raises(ConfigError, match=named):
        load_settings(overrides, environ={"MATCHMAKER_HOME": str(tmp_path), **environ})


def test_every_setting_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [name for name in SETTINGS if f"MATCHMAKER_{name}" not in readme]
    assert missing == []
