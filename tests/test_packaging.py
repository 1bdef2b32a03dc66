"""The package works installed, away from the checkout: its data files travel inside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.model
def test_pip_install_outside_the_checkout_loads_the_demo_and_searches(tmp_path):
    model = os.environ.get("MATCHMAKER_TEST_MODEL_DIR")
    if not model:
        pytest.fail("MATCHMAKER_TEST_MODEL_DIR must name a prepared model folder (make test prepares one)")
    wheels, venv, elsewhere = tmp_path / "wheels", tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", wheels, ROOT],
        check=True,
        cwd=elsewhere,
    )
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    # The dependencies (torch alone is 4.6 GB) come from the test venv as a plain path entry: its own
    # .pth files, the editable install of this checkout among them, are not read from there.
    site = Path(
        subprocess.check_output(
            [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = wheels.glob("matchmaker-*.whl")
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel], check=True
    )

    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHMAKER_") and k != "PYTHONPATH"}
    env.update(MATCHMAKER_HOME=str(tmp_path / "home"), MATCHMAKER_EMBEDDING_MODEL=model)

    def matchmaker(*args: str) -> str:
        done = subprocess.run(
            [venv / "bin" / "matchmaker", *args], cwd=elsewhere, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    located = subprocess.check_output(
        [venv / "bin" / "python", "-c", "import matchmaker; print(matchmaker.__file__)"],
        cwd=elsewhere,
        env=env,
        text=True,
    )
    matchmaker("db", "upgrade")
    matchmaker("load-demo")
    found = json.loads(matchmaker("search", "数控车床操作工", "--direction", "offer", "--json"))

    assert Path(located).is_relative_to(venv)
    assert (Path(located).parent / "web/static/vendor/echarts/echarts.min.js").is_file()  # the dashboard's charts
    assert found["results"] and any("数控" in result["title"] for result in found["results"][:5])
