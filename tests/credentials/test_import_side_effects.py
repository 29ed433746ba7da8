"""Importing ossbox.credentials (and building its providers) starts no thread, adds no logging
handler, reads no environment variable, installs no signal handler or fork hook.

Checked in a fresh interpreter with spies installed before the import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import json, logging, os, signal, sys, threading

    env_reads = []
    Environ = type(os.environ)
    for name in ("__getitem__", "__iter__", "__contains__", "__len__"):
        original = getattr(Environ, name)
        def spy(self, *args, _original=original, _name=name):
            env_reads.append(f"{_name}{args[:1]}")
            return _original(self, *args)
        setattr(Environ, name, spy)
    fork_hooks = []  # registered from ossbox code (the stdlib's `random` registers its own)
    register_at_fork = os.register_at_fork
    def spy_fork(**kw):
        caller = sys._getframe(1).f_code.co_filename
        if "ossbox" in caller:
            fork_hooks.append(caller)
        register_at_fork(**kw)
    os.register_at_fork = spy_fork

    def handlers():
        loggers = [logging.getLogger()] + [
            l for l in logging.Logger.manager.loggerDict.values() if isinstance(l, logging.Logger)
        ]
        return sum(len(l.handlers) for l in loggers)

    signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    threads, logging_handlers = threading.active_count(), handlers()

    import ossbox.credentials as c
    import ossbox.credentials.adapters
    import ossbox.credentials.presign
    after_import = list(env_reads)

    if sys.argv[1] == "construct":
        c.DefaultCredentialsChain()
        c.EnvironmentProvider()
        c.IniProfileProvider(); c.CliProfileProvider()
        c.EcsRamRoleProvider()
        c.RamRoleArnProvider("acs:ram::1:role/r", access_key_id="a", access_key_secret="b")
        c.OidcRoleArnProvider("acs:ram::1:role/r", "arn", oidc_token_file="/nonexistent")
        c.CredentialsUriProvider("http://127.0.0.1:1/")
        c.ProcessProvider(["true"])
        c.CustomProvider(lambda: None)

    print(json.dumps({
        "env_reads": env_reads,
        "env_reads_at_import": after_import,
        "threads": [threads, threading.active_count()],
        "handlers": [logging_handlers, handlers()],
        "signals": all(signal.getsignal(s) == h for s, h in signals.items()),
        "fork_hooks": fork_hooks,
        "root_level": logging.getLogger().level,
    }))
    """
)


def probe(mode: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True, timeout=60
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_import_has_no_side_effects() -> None:
    result = probe("import")
    assert result["env_reads_at_import"] == []
    assert result["threads"] == [1, 1]
    assert result["handlers"][0] == result["handlers"][1]  # type: ignore[index]
    assert result["signals"] is True
    assert result["fork_hooks"] == []
    assert result["root_level"] == 30  # WARNING, untouched


def test_constructing_providers_has_no_side_effects_either() -> None:
    result = probe("construct")
    assert result["env_reads"] == []
    assert result["threads"] == [1, 1]
    assert result["handlers"][0] == result["handlers"][1]  # type: ignore[index]
    assert result["fork_hooks"] == []


def test_the_spies_do_see_reads() -> None:
    # The probe would notice: a provider's first call reads the environment at call time.
    code = PROBE.replace(
        "print(json.dumps({",
        "c.EnvironmentProvider().get_credentials.__self__\n"
        "try:\n    c.EnvironmentProvider().get_credentials()\nexcept c.CredentialsError:\n"
        "    pass\nprint(json.dumps({",
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "import"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(out.stdout)["env_reads"] != []
