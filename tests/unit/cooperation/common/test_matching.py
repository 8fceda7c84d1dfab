"""``classify`` on real list entries: each MISP list type matched as MISP defines it, the
deliberate departures (shared namespaces, URLs with a path, host-name substring lists),
notes for infrastructure, and a batch costing a few statements."""

from __future__ import annotations

import ipaddress
import json

from sqlalchemy import event
from sqlalchemy.orm import Session

from taawun.cooperation.importers.warninglists import lists_dir
from taawun.cooperation.threats import _common_networks as networks
from taawun.cooperation.threats.warninglists import CommonFlag, classify, explain


def flag(session: Session, kind: str, value: str) -> CommonFlag | None:
    return classify(session, [(kind, value)]).get((kind, value))


def entries(key: str) -> list[str]:
    return list(json.loads((lists_dir() / key / "list.json").read_bytes())["list"])


def test_a_private_address_is_common_for_rfc1918_and_notes_rfc5735(ldb: Session) -> None:
    found = flag(ldb, "ipv4", "10.1.2.3")
    assert found is not None and found.common
    assert found.reason == "List of RFC 1918 CIDR blocks [rfc1918]"
    assert found.notes == ("also: List of RFC 5735 CIDR blocks [rfc5735]",)


def test_an_ipv6_public_resolver_is_common(ldb: Session) -> None:
    resolver = str(ipaddress.ip_address(entries("public-dns-v6")[0]))
    found = flag(ldb, "ipv6", resolver)
    assert found is not None and found.common and "[public-dns-v6]" in (found.reason or "")
    # its neighbour is on no list
    neighbour = str(ipaddress.ip_address(resolver) + 1)
    assert flag(ldb, "ipv6", neighbour) is None


def test_a_network_inside_a_listed_one_is_common_one_holding_listed_ones_only_noted(
    ldb: Session,
) -> None:
    inside = flag(ldb, "cidr4", "192.168.10.0/24")
    assert inside is not None and inside.common and "[rfc1918]" in (inside.reason or "")
    wider = flag(ldb, "cidr4", "10.0.0.0/7")  # holds 10.0.0.0/8, is not inside it
    assert wider is not None and not wider.common and wider.reason is None
    assert any(n.startswith("holds listed addresses (10.0.0.0/8)") for n in wider.notes)


def test_an_aws_address_gets_a_note_and_is_not_common(ldb: Session) -> None:
    network = ipaddress.ip_network(next(e for e in entries("amazon-aws") if "." in e))
    address = str(network.network_address + 1)
    found = flag(ldb, "ipv4", address)
    assert found is not None and not found.common and found.reason is None
    assert found.notes == ("List of known Amazon AWS IP address ranges [amazon-aws]",)
    assert found.note == found.notes[0]


def test_a_subdomain_of_a_top_site_is_common(ldb: Session) -> None:
    found = explain(ldb, [("domain", "mail.google.com")])[("domain", "mail.google.com")]
    assert found.flag.common
    sources = {(f.source, f.how, f.entry) for f in found.found}
    assert ("warninglist tranco10k", "subdomain", "google.com") in sources
    assert ("warninglist google", "subdomain", "google.com") in sources  # ".google.com"


def test_a_random_domain_is_on_no_list(ldb: Session) -> None:
    assert classify(ldb, [("domain", "qx7-unlisted-example.org")]) == {}


def test_a_name_under_a_shared_namespace_is_not_common_through_its_parent(ldb: Session) -> None:
    # herokuapp.com is a top site, and a LOTS zone: anyone gets a name under it
    assert flag(ldb, "domain", "herokuapp.com") == CommonFlag(
        True,
        "Top 10K most-used sites from Tranco [tranco10k]",
        ("List of LOTS (Living Off Trusted Sites) Project Domains [lots-project]",),
    )
    tenant = flag(ldb, "domain", "c2-server.herokuapp.com")
    assert tenant is not None and not tenant.common
    assert tenant.notes == (
        "List of LOTS (Living Off Trusted Sites) Project Domains [lots-project]",
    )


def test_a_url_is_common_only_when_it_names_the_site_itself(ldb: Session) -> None:
    site = flag(ldb, "url", "https://www.google.com/")
    assert site is not None and site.common
    page = flag(ldb, "url", "https://mail.google.com/mail/u/0/?tab=phish")
    assert page is not None and not page.common
    assert any(n.startswith("on a listed host (google.com): ") for n in page.notes)


def test_host_name_substring_lists_are_matched_as_hosts(ldb: Session) -> None:
    found = flag(ldb, "domain", "analyze.intezer.com")
    assert (
        found is not None
        and found.common
        and "[automated-malware-analysis]" in (found.reason or "")
    )
    # as a substring, "symantec.com" would make a look-alike common
    assert flag(ldb, "domain", "symantec.com.phish.example") is None


def test_regex_and_substring_lists_on_e_mail_addresses(ldb: Session) -> None:
    role = flag(ldb, "email", "abuse@example.org")
    assert role is not None and role.common and "[common-contact-emails]" in (role.reason or "")
    assert flag(ldb, "email", "alice@example.org") is None
    disposable = flag(ldb, "email", "dropper@mailinator.com")
    assert disposable == CommonFlag(
        False, None, ("List of disposable email domains [disposable-email]",)
    )


def test_the_hash_of_an_empty_file_is_common(ldb: Session) -> None:
    found = flag(ldb, "md5", "d41d8cd98f00b204e9800998ecf8427e")
    assert found is not None and found.common and "[empty-hashes]" in (found.reason or "")
    assert flag(ldb, "sha1", "d41d8cd98f00b204e9800998ecf8427e00000000") is None


def test_a_batch_of_thousands_costs_a_few_statements(ldb: Session) -> None:
    values = [("ipv4", f"10.{i // 250}.{i % 250}.7") for i in range(1000)]
    values += [("domain", f"host{i}.google.com") for i in range(1000)]
    values += [("email", f"user{i}@mailinator.com") for i in range(200)]
    values += [("cidr4", f"172.16.{i}.0/24") for i in range(100)]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = ldb.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        found = classify(ldb, values)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(found) == len(values)
    assert all(f.common for k, f in found.items() if k[0] != "email")
    assert 0 < len(statements) <= 12, statements


def test_the_process_held_networks_and_the_database_answer_alike(ldb: Session) -> None:
    """A small batch with nothing held asks the database; a large one reads every network
    into the process (``_common_networks.py``): both must say the same."""
    aws = ipaddress.ip_network(next(e for e in entries("amazon-aws") if "." in e))
    resolver = str(ipaddress.ip_address(entries("public-dns-v6")[0]))
    values = [
        ("ipv4", "10.1.2.3"),
        ("ipv4", str(aws.network_address + 3)),
        ("ipv6", resolver),
        ("cidr4", "172.16.4.0/22"),
        ("cidr4", "10.0.0.0/7"),
        ("ipv4", "185.220.101.7"),
    ]
    networks._CACHE.clear()
    asked = classify(ldb, values)
    assert not networks._CACHE  # a small batch held nothing
    many = [("ipv4", f"203.0.{i // 200}.{i % 200 + 1}") for i in range(networks.FEW + 1)]
    classify(ldb, values + many)
    assert networks._CACHE  # a large one read them all
    assert classify(ldb, values) == asked
    assert [v for v in values if v in asked] == values[:5]
