"""Normal forms of observable values and threat names: pure functions, no I/O.

Two partners rarely write a value the same way: ``hxxp://Evil[.]COM:80/x``,
``http://evil.com/x``; ``2001:DB8:0:0::1`` and ``2001:db8::1``; an MD5 in capitals. The
index stores each value once, in the form given here, so reports meet on one row. Every
function returns ``None`` for what is not a value of its kind (it never raises): the
extractor runs inside ingest, and a strange value must cost the index a row, never the
submission.

- Refanging (``refang``): ``hxxp``/``hxxps``/``fxp`` schemes, ``[.]``, ``(.)``, ``{.}``,
  ``[dot]``, ``[at]``, ``(at)``, ``[@]``, ``[:]`` and ``[://]``: the ways analysts
  defang values so that nobody clicks them.
- Addresses (``address``): ``ipaddress``'s canonical text; a network with its host bits
  cleared; a /32 (or /128) network is the address itself.
- Host names (``domain``): lower case, IDNA (punycode) for non-ASCII labels, trailing dot
  dropped; a name must have a dot and only host characters.
- URLs (``url``): scheme and host lower case, the default port dropped, the rest as
  written (paths are case-sensitive); one without a scheme is read as ``http://``.
- E-mail addresses (``email``): lower case, whole (providers ignore case in practice).
- Hashes (``file_hash``): lower-case hex of the length its algorithm gives.
- Names (``entity``): Unicode NFKC, case-folded, every run of whitespace and punctuation
  one space: ``APT 28``, ``apt-28`` and ``Apt_28`` meet; ``APT28`` stays apart.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from taawun.cooperation.threats import kinds

Value = tuple[str, str]  # (kind, normal form)

_DEFANGS = (
    (re.compile(r"\[\s*\.\s*\]|\(\s*\.\s*\)|\{\s*\.\s*\}|\[dot\]|\(dot\)", re.I), "."),
    (re.compile(r"\[\s*@\s*\]|\[at\]|\(at\)|\{at\}", re.I), "@"),
    (re.compile(r"\[\s*://\s*\]"), "://"),
    (re.compile(r"\[\s*:\s*\]"), ":"),
)
_SCHEME_DEFANGS = re.compile(r"^(?:hxxp|hxtp|htxp|h\*\*p)(s?)(?=\[?:\]?//)", re.I)
_FXP = re.compile(r"^fxp(?=://)", re.I)
_MAYBE_DEFANGED = re.compile(r"[\[\](){}]|^(?:h\S\Sp|fxp)", re.I)
# A canonical dotted quad (no leading zeros, each part at most 255).
DOTTED_QUAD = re.compile(
    r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\Z"
)
_SPACE = re.compile(r"\s")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
_NETLOC_END = re.compile(r"[/?#]")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_HEX = re.compile(r"^[0-9a-f]+$")
_SEPARATORS = re.compile(r"[\s\W_]+", re.UNICODE)
_DIGITS = re.compile(r"^(?:AS)?([0-9]{1,10})$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
# Hash algorithm names as STIX (§10.7 hashing-algorithm-ov) and tools write them.
HASH_ALGORITHMS: dict[str, tuple[str, int]] = {
    "MD5": (kinds.MD5, 32),
    "SHA1": (kinds.SHA1, 40),
    "SHA256": (kinds.SHA256, 64),
    "SHA512": (kinds.SHA512, 128),
}


def _fits(text: str) -> str | None:
    return text if 0 < len(text) <= kinds.MAX_VALUE else None


def refang(text: str) -> str:
    """``text`` with the usual defanging undone, and surrounding whitespace dropped."""
    out = text.strip()
    if _MAYBE_DEFANGED.search(out) is None:  # most values: one search instead of five subs
        return out
    out = _SCHEME_DEFANGS.sub(lambda m: "http" + m.group(1), out)
    out = _FXP.sub("ftp", out)
    for pattern, plain in _DEFANGS:
        out = pattern.sub(plain, out)
    return out


def address(text: str) -> Value | None:
    """An IPv4/IPv6 address or network: (``ipv4``|``ipv6``|``cidr4``|``cidr6``, canonical)."""
    raw = refang(text)
    if DOTTED_QUAD.match(raw) is not None:  # already canonical: no leading zeros, each ≤ 255
        return (kinds.IPV4, raw)
    if not raw or len(raw) > 64:
        return None
    try:
        if "/" not in raw:
            ip = ipaddress.ip_address(raw)
            return (kinds.IPV4 if ip.version == 4 else kinds.IPV6, str(ip))
        net = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        return None
    if net.prefixlen == net.max_prefixlen:
        return (kinds.IPV4 if net.version == 4 else kinds.IPV6, str(net.network_address))
    return (kinds.CIDR4 if net.version == 4 else kinds.CIDR6, str(net))


def host(text: str) -> str | None:
    """A host name's normal form (no dot required: a URL's host may be ``localhost``)."""
    name = text.strip().rstrip(".").lower()
    if not name or len(name) > 253:
        return None
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = name.split(".")
    if not all(_LABEL.match(label) for label in labels):
        return None
    return name


def domain(text: str) -> str | None:
    """A domain name's normal form; ``None`` for an address or a name without a dot."""
    raw = refang(text)
    last = raw.rstrip(".").rpartition(".")[2]
    if ":" in raw or last.isdigit() or "/" in raw:  # an address or a network, never a name
        return None
    name = host(raw)
    return name if name is not None and "." in name else None


def _host_port(hostport: str, scheme: str) -> str | None:
    """A URL's ``host[:port]`` normalised: an address canonical (IPv6 in brackets), a name
    by ``host``, the scheme's default port dropped."""
    if hostport.startswith("["):
        name, bracket, after = hostport[1:].partition("]")
        found = address(name) if bracket and (not after or after[0] == ":") else None
        shown = f"[{found[1]}]" if found is not None and found[0] == kinds.IPV6 else ""
        port = after[1:]
    else:
        name, _, port = hostport.partition(":")
        ip = address(name) if name[-1:].isdigit() else None
        shown = ip[1] if ip is not None and ip[0] == kinds.IPV4 else (host(name) or "")
    if not shown or (port and (not port.isdigit() or int(port) > 65535)):
        return None
    if port and int(port) != _DEFAULT_PORTS.get(scheme):
        return f"{shown}:{int(port)}"
    return shown


def url(text: str) -> str | None:
    """A URL's normal form: scheme and host lower case, default port dropped, rest as is
    (an empty path is ``/``). Parsed by hand, as ``urlsplit`` would split it, in one pass:
    a URL of the index is read at every ingest."""
    raw = refang(text)
    scheme, sep, rest = raw.partition("://")
    if not sep:
        scheme, rest = "http", raw
    scheme = scheme.lower()
    if not raw or _SPACE.search(raw) is not None or _SCHEME.match(scheme) is None:
        return None
    end = _NETLOC_END.search(rest)
    netloc, tail = (rest, "") if end is None else (rest[: end.start()], rest[end.start() :])
    userinfo, at, hostport = netloc.rpartition("@")
    shown = _host_port(hostport, scheme)
    if shown is None:
        return None
    if at:
        shown = f"{userinfo}@{shown}"
    if not tail.startswith("/"):
        tail = "/" + tail
    return _fits(f"{scheme}://{shown}{tail}")


def email(text: str) -> str | None:
    """An e-mail address's normal form: lower case, its domain a valid host name."""
    raw = refang(text).lower()
    local, at, dom = raw.rpartition("@")
    if not at or not local or any(c.isspace() or c in "<>," for c in local):
        return None
    name = host(dom)
    if name is None or "." not in name:
        return None
    return _fits(f"{local}@{name}")


def hash_kind(algorithm: str) -> tuple[str, int] | None:
    """The kind and hex length of a hash algorithm named as STIX or a tool writes it
    (``SHA-256``, ``sha256``, ``'SHA-256'``); ``None`` for one the index does not keep."""
    key = algorithm.strip().strip("'\"").upper().replace("-", "").replace("_", "")
    return HASH_ALGORITHMS.get(key)


def file_hash(algorithm: str, digest: str) -> Value | None:
    """(kind, lower-case hex) of a digest of the right length for its algorithm."""
    found = hash_kind(algorithm)
    if found is None:
        return None
    kind, length = found
    value = digest.strip().lower()
    if len(value) != length or _HEX.match(value) is None:
        return None
    return (kind, value)


def entity(name: str) -> str | None:
    """A threat's name (or alias) normalised: NFKC, case-folded, separators collapsed."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _SEPARATORS.sub(" ", text).strip()
    return _fits(text) if text else None


def mutex(name: str) -> str | None:
    text = name.strip()
    return _fits(text) if text else None


def registry_key(key: str) -> str | None:
    """A registry key: case-folded, backslashes single, hive abbreviations expanded."""
    text = re.sub(r"\\+", "\\\\", key.strip()).casefold()
    for short, full in _HIVES.items():
        if text == short or text.startswith(short + "\\"):
            text = full + text[len(short) :]
            break
    return _fits(text) if text else None


_HIVES = {
    "hklm": "hkey_local_machine",
    "hkcu": "hkey_current_user",
    "hkcr": "hkey_classes_root",
    "hku": "hkey_users",
    "hkcc": "hkey_current_config",
}


def asn(number: object) -> str | None:
    text = str(number).strip()
    match = _DIGITS.match(text)
    return str(int(match.group(1))) if match else None


def guess(text: str) -> list[Value]:
    """What a person may mean by ``text`` when asking where it was seen: every kind it is a
    valid value of (a hash by its length, an address, a URL when it has a scheme or a path,
    an e-mail address, a domain), and always the name of a threat as well."""
    raw = refang(text)
    found: list[Value] = []
    ip = address(raw)
    if ip is not None:
        found.append(ip)
    for algorithm in ("MD5", "SHA1", "SHA256", "SHA512"):
        digest = file_hash(algorithm, raw)
        if digest is not None:
            found.append(digest)
    if ip is None and ("://" in raw or "/" in raw):
        link = url(raw)
        if link is not None:
            found.append((kinds.URL, link))
    if "@" in raw:
        mail = email(raw)
        if mail is not None:
            found.append((kinds.EMAIL, mail))
    elif "/" not in raw:
        name = domain(raw)
        if name is not None:
            found.append((kinds.DOMAIN, name))
    key = registry_key(raw) if raw.lower().startswith(("hk", "hkey_")) and "\\" in raw else None
    if key is not None:
        found.append((kinds.REGISTRY_KEY, key))
    threat = entity(raw)
    if threat is not None:
        found.append((kinds.ENTITY, threat))
    return list(dict.fromkeys(found))
