"""Common values: which observables occur everywhere, from the MISP warninglists.

A value every partner meets in its logs (a public resolver, a private address, a top site,
the hash of an empty file) correlates everything with everything: two states "sharing" it
share nothing. The index keeps such a value, flags it ``common`` with the list that says so
as the reason, and keeps it out of shared threats. Some lists describe infrastructure
instead, where an attacker rents a server for an hour (cloud, hosting, VPN exits) or takes
a name anyone may take (dynamic DNS): a hit there is shown as a *note* on the value and
never makes it common. MISP draws the same line between its ``false_positive`` and
``known`` lists; the lists shipped in ``pymispwarninglists`` 1.7 carry no category, so the
choice is made here, list by list, in ``CHOSEN`` (and ``LEFT_OUT``, with the reason).

=================  ==========================================================================
class              lists (MISP type)
=================  ==========================================================================
common: top sites  tranco10k, alexa (hostname); cisco_top20k, majestic_million, moz-top500
                   (string)
common: vendors    google, microsoft, microsoft-office365, microsoft-win10-connection-endpoints,
                   captive-portals (string); security-provider-blogpost, digitalside,
                   whats-my-ip, findip-host, umbrella-blockpage-hostname, parking-domain-ns,
                   public-dns-hostname (hostname); automated-malware-analysis,
                   microsoft-attack-simulator (substring of host names: matched as hosts)
common: names      second-level-tlds, rfc6761 (string)
common: networks   rfc1918, rfc3849, rfc5735, rfc6598, multicast, ipv6-linklocal,
                   public-dns-v4, public-dns-v6, sinkholes, umbrella-blockpage-v4/-v6,
                   parking-domain, smtp-sending-ips, smtp-receiving-ips,
                   google-gmail-sending-ips, microsoft-office365-ip, microsoft-office365-cn,
                   apple, wikimedia, zscaler, googlebot, openai-gptbot, check-host-net; the
                   CDN edges cloudflare, fastly, akamai, stackpath; 31 research scanners
                   (censys, shodan, shadowserver, rapid7, onyphe, tenable, *-nt-scanning)
common: hashes     empty-hashes, eicar.com, common-ioc-false-positive, ti-falsepositives,
                   nioc-filehash, mozilla-CA, mozilla-IntermediateCA (string)
common: e-mail     common-contact-emails (regex: abuse@, noc@, soc@, security@)
note               amazon-aws, google-gcp, microsoft-azure (and -china, -germany, -us-gov),
                   ovh-cluster, github, vpn-ipv4, vpn-ipv6 (cidr); dynamic-dns, lots-project,
                   url-shortener, link-in-bio, bank-website (hostname);
                   public-ipfs-gateways, university_domains (string); disposable-email
                   (substring)
left out           tranco (1M) and google-chrome-crux-1million: the tail of a million-site
                   list holds abused names, and can be gamed into holding any (Le Pochat
                   et al., "Tranco", NDSS 2019); cisco_top1000/5k/10k: inside cisco_top20k; covid,
                   covid-19-*: 2020 allow-lists, stale; dax30: 13 German company sites;
                   phone_numbers, microsoft-azure-appid: no such kind in the index;
                   tlds: a TLD alone is no domain value (a domain has a dot);
                   crl-hostname, crl-ip: empty in this release
=================  ==========================================================================

Why a CDN edge is common but a cloud range a note: a CDN address fronts thousands of
sites at once, so two reports naming it share nothing; a cloud or VPN address serves one
tenant at a time, the attacker's while it is rented.

Matching follows MISP's (``app/Model/Warninglist.php``): ``string`` exact; ``hostname``
the host and its subdomains, for a domain and a URL's host; ``cidr`` an address inside a
listed network, and a network value inside one (a network value that merely *contains*
listed addresses gets a note); ``substring`` and ``regex`` on the whole value. Three
deliberate departures, each keeping a real indicator from being called common:

- Shared namespaces: ``dynamic-dns`` and ``lots-project`` name zones where anyone gets a
  subdomain (``duckdns.org``, ``herokuapp.com``, ``github.io``, all in the top 10,000). A
  host *under* such a zone is matched only by an entry for itself, never through a parent:
  ``x.duckdns.org`` is not common for ``duckdns.org`` being a top site.
- A URL with a path or query on a listed host (``https://docs.google.com/d/...``) gets a
  note, not ``common``: the site is common, the page on it need not be.
- Two substring lists of host names (automated-malware-analysis,
  microsoft-attack-simulator) are matched as hosts: as substrings, ``symantec.com`` would
  make ``symantec.com.evil.example`` common. Leading-dot entries of string lists
  (``.google.com``) are hosts with their subdomains, as MISP reads them in hostname lists.

The lists are loaded once into the node at ``taawun import`` (``importers/warninglists.py``)
and matched by ``classify``, a batch at a time: exact values, hosts and patterns from the
database; networks from a table each matching process reads once (``_common_networks.py``,
with the measurements that chose it). Node entries made by an admin (``common_service.py``)
are matched the same way and decide over the lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from taawun.cooperation.threats import _common_match, kinds
from taawun.cooperation.threats._common_match import (
    ALLOW,
    COMMON,
    NOTE,
    CommonFlag,
    Effect,
    Verdict,
)

__all__ = [
    "ALLOW",
    "CHOSEN",
    "COMMON",
    "LEFT_OUT",
    "NOTE",
    "NOT_COMMON",
    "Choice",
    "CommonFlag",
    "Judgement",
    "classify",
    "judge",
]


@dataclass(frozen=True, slots=True)
class Choice:
    """What a list's hit means here, and how its entries are read."""

    effect: Effect
    namespace: bool = False  # its hosts hand out subdomains to anyone
    hosts: bool = False  # a substring list of host names, read as a hostname list
    kinds: tuple[str, ...] | None = None  # narrower than its MISP attributes


_SCANNERS = (
    "alphastrike-research-nt-scanning",
    "alphastrike-scanning",
    "bufferover-nt-scanning",
    "censys-scanning",
    "coalition-signals-intelligence-nt-scanning",
    "cybergreen-nt-scanning",
    "cyberresilience-nt-scanning",
    "cypex-nt-scanning",
    "f6-nt-scanning",
    "internet-census-nt-scanning",
    "intrinsec-nt-scanning",
    "ipinfo-nt-scanning",
    "ipip-nt-scanning",
    "modat-nt-scanning",
    "modat-scanner",
    "netsecscan-nt-scanning",
    "netsecscan-scanning",
    "onyphe-nt-scanning",
    "onyphe-scanner",
    "probethenet-nt-scanning",
    "rapid7-nt-scanning",
    "research-scanner-nt-scanning",
    "shadowforce-nt-scanning",
    "shadowforce-scanning",
    "shadowserver-nt-scanning",
    "shadowserver",
    "shodan-nt-scanning",
    "shodan-scanning",
    "skipa-nt-scanning",
    "tenable-cloud-ipv4",
    "tenable-cloud-ipv6",
)
_COMMON_LISTS = (
    # top sites
    "tranco10k",
    "alexa",
    "cisco_top20k",
    "majestic_million",
    "moz-top500",
    # vendors' own, update and telemetry domains; services every host queries
    "google",
    "microsoft",
    "microsoft-office365",
    "microsoft-win10-connection-endpoints",
    "captive-portals",
    "security-provider-blogpost",
    "digitalside",
    "whats-my-ip",
    "findip-host",
    "umbrella-blockpage-hostname",
    "parking-domain-ns",
    "public-dns-hostname",
    # names that are no indicator at all
    "second-level-tlds",
    "rfc6761",
    # reserved, private and special-use networks; shared service addresses
    "rfc1918",
    "rfc3849",
    "rfc5735",
    "rfc6598",
    "multicast",
    "ipv6-linklocal",
    "public-dns-v4",
    "public-dns-v6",
    "sinkholes",
    "umbrella-blockpage-v4",
    "umbrella-blockpage-v6",
    "parking-domain",
    "smtp-sending-ips",
    "smtp-receiving-ips",
    "google-gmail-sending-ips",
    "microsoft-office365-ip",
    "microsoft-office365-cn",
    "apple",
    "wikimedia",
    "zscaler",
    "googlebot",
    "openai-gptbot",
    "check-host-net",
    "cloudflare",
    "fastly",
    "akamai",
    "stackpath",
    *_SCANNERS,
    # hashes of files that are no indicator
    "empty-hashes",
    "eicar.com",
    "common-ioc-false-positive",
    "ti-falsepositives",
    "nioc-filehash",
    "mozilla-CA",
    "mozilla-IntermediateCA",
    # role mailboxes
    "common-contact-emails",
)
_NOTE_LISTS = (
    "amazon-aws",
    "google-gcp",
    "microsoft-azure",
    "microsoft-azure-china",
    "microsoft-azure-germany",
    "microsoft-azure-us-gov",
    "ovh-cluster",
    "github",
    "vpn-ipv4",
    "vpn-ipv6",
    "url-shortener",
    "link-in-bio",
    "bank-website",
    "public-ipfs-gateways",
    "university_domains",
)

CHOSEN: Final[dict[str, Choice]] = {
    **{key: Choice(COMMON) for key in _COMMON_LISTS},
    "automated-malware-analysis": Choice(COMMON, hosts=True),
    "microsoft-attack-simulator": Choice(COMMON, hosts=True),
    **{key: Choice(NOTE) for key in _NOTE_LISTS},
    "dynamic-dns": Choice(NOTE, namespace=True),
    "lots-project": Choice(NOTE, namespace=True),
    "disposable-email": Choice(NOTE, kinds=(kinds.EMAIL,)),
}

LEFT_OUT: Final[dict[str, str]] = {
    "tranco": "a million sites: its tail holds malicious and abused names",
    "google-chrome-crux-1million": "a million sites: its tail holds malicious and abused names",
    "cisco_top1000": "inside cisco_top20k",
    "cisco_top5k": "inside cisco_top20k",
    "cisco_top10k": "inside cisco_top20k",
    "covid": "a 2020 allow-list, stale",
    "covid-19-cyber-threat-coalition-whitelist": "a 2020 allow-list, stale",
    "covid-19-krassi-whitelist": "a 2020 allow-list, stale",
    "dax30": "13 German company sites: no false positive of ours",
    "phone_numbers": "no phone-number kind in the index",
    "microsoft-azure-appid": "no application-id kind in the index",
    "crl-hostname": "empty in this release",
    "crl-ip": "empty in this release",
    "tlds": "a top-level domain alone is no domain of the index (a domain has a dot)",
}


def classify(
    session: Session, values: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], CommonFlag]:
    """Flag a batch of (kind, normalised value) pairs, as ``normalize.py`` writes them.

    A few queries for the whole batch (exact values, every suffix of every host, every
    prefix of every address, the patterns of the kinds present), whatever its size up to
    a few thousand; nothing is read from the list files. A value no list or node entry
    matches is left out of the answer: absent means not common and no note."""
    verdicts = _common_match.judge(session, values, explain=False)
    return {key: verdict.flag for key, verdict in verdicts.items()}


Judgement = tuple[bool, str | None, str | None]
NOT_COMMON: Final[Judgement] = (False, None, None)


def judge(session: Session, values: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Judgement]:
    """(common, reason, note) of every value of ``values``, as the correlation index stores
    them (``NOT_COMMON`` for a value nothing matches): ``classify``'s flags, for the index
    (``index.py``), re-flagging (``common_service.reflag_index``) and a value read before
    the index judged it (``seen.py``)."""
    if not values:
        return {}
    flags = classify(session, values)
    return {
        value: (flag.common, flag.reason, flag.note) if (flag := flags.get(value)) else NOT_COMMON
        for value in values
    }


def explain(session: Session, values: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Verdict]:
    """``classify`` with the matches behind each flag (which list or entry, how)."""
    return _common_match.judge(session, values)
