"""`crm-credit init`: a commented starter `crm-credit.toml` and a copy of the built-in credit policy.

The starter holds no secret: credentials are `${NAME}` references, read from the environment when a
command runs. Once those variables are set (and the write-back fields exist), `check` accepts it.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Annotated

import typer

from cli.app import app, console, emit_json, handle_errors, state
from connectors.errors import ConfigError
from credit_core.policy import default_policy_text

POLICY_FILE = "credit-policy.toml"
# Per kind: the default source name, the example URL and login URL written when none is given.
DEFAULTS: dict[str, tuple[str, str, str]] = {
    "salesforce": ("sf", "https://acme.my.salesforce.com", ""),
    "zoho": ("zoho", "https://www.zohoapis.com", "https://accounts.zoho.com"),
    "fxiaoke": ("fx", "https://open.fxiaoke.com", ""),
}
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def starter_config(
    kind: str, source: str, url: str | None = None, ca_bundle: str | None = None, login_url: str | None = None
) -> str:
    """The starter config text for one source of `kind` (comments kept, placeholders filled)."""
    if kind not in DEFAULTS:
        raise ConfigError(f"init knows kinds {', '.join(DEFAULTS)}, not {kind!r}")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", source):
        raise ConfigError(f"source name {source!r}: use letters, digits, - and _ (it becomes a TOML key)")
    _, default_url, default_login = DEFAULTS[kind]
    text = resources.files("cli").joinpath("starters", f"{kind}.toml").read_text(encoding="utf-8")
    url = (url or default_url).rstrip("/")
    ca_line = f'ca_bundle = "{ca_bundle}"             # trust this CA (a TLS-inspecting proxy)\n' if ca_bundle else ""
    ca_line = ca_line or '# ca_bundle = "corp-ca.pem"               # trust this CA too (a TLS-inspecting proxy)\n'
    replacements = {
        "__SOURCE__": source,
        "__LOGIN_URL__": (login_url or default_login or url).rstrip("/"),
        "__URL__": url,
        "__CA_BUNDLE__\n": ca_line,
    }
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text


def environment_names(text: str) -> list[str]:
    """The `${NAME}` variables a config text needs (outside comments), in order of appearance."""
    names: list[str] = []
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            names.extend(n for n in _ENV_REF.findall(line.split(" #", 1)[0]) if n not in names)
    return names


@app.command("init")
@handle_errors
def init_command(
    kind: Annotated[
        str, typer.Option("--kind", help="CRM of the first source: salesforce, zoho or fxiaoke.")
    ] = "salesforce",
    source: Annotated[str | None, typer.Option("--source", help="Source name (default: sf / zoho / fx).")] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Salesforce My Domain URL, Zoho API domain or Fxiaoke OpenAPI host.")
    ] = None,
    login_url: Annotated[
        str | None, typer.Option("--login-url", help="Salesforce login host, or Zoho accounts server.")
    ] = None,
    ca_bundle: Annotated[str | None, typer.Option("--ca-bundle", help="Extra CA to trust (TLS proxies).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented starter crm-credit.toml and credit-policy.toml (no secrets in either)."""
    config_path = state.config_path()
    policy_path = config_path.parent / POLICY_FILE
    text = starter_config(kind, source or DEFAULTS.get(kind, ("",))[0], url, ca_bundle, login_url)
    if config_path.exists() and not force:
        raise ConfigError(f"{config_path} exists; pass --force to overwrite it")
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(text, encoding="utf-8")
    # One policy per company: a second config in the same folder shares the existing one.
    keep_policy = policy_path.exists() and not force
    if not keep_policy:
        policy_path.write_text(default_policy_text(), encoding="utf-8")
    names = environment_names(text)
    if state.json:
        emit_json({"config": str(config_path), "policy": str(policy_path), "policy_kept": keep_policy,
                   "environment": names})  # fmt: skip
        return
    out = console()
    policy_note = f"kept the existing {policy_path}" if keep_policy else f"wrote {policy_path}"
    out.print(f"wrote {config_path}; {policy_note}", markup=False)
    out.print(f"set {', '.join(names)} in the environment, then run `crm-credit check`", markup=False)
