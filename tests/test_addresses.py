"""No requests to internal addresses (issue 14): link-local and metadata addresses never,
other private ones only when they are the site's own or configured."""

from __future__ import annotations

import pytest

from crawler.addresses import AddressPolicy
from crawler.demo.server import PortalServer, Reply
from crawler.recheck import fetch
from tests.conftest import findings_jsonl, run_cli
from tests.portal_site import page


@pytest.mark.parametrize(
    "host, refused",
    [
        ("169.254.169.254", True), ("[fe80::1]", True), ("100.100.100.200", True),
        ("metadata.google.internal", True), ("METADATA.tencentyun.com.", True), ("[fd00:ec2::254]", True),
        ("10.1.2.3", True), ("192.168.0.1", True), ("127.0.0.1", True), ("[::1]", True),
        ("[::ffff:169.254.169.254]", True), ("0.0.0.0", True),
        ("8.8.8.8", False), ("www.gov.cn", False),  # a name is judged by where it resolves
    ],
)
def test_policy_without_allowances(host, refused):
    assert (AddressPolicy().refuses_host(host) is not None) is refused


def test_allowed_private_networks_but_never_metadata():
    policy = AddressPolicy(["10.0.0.0/8", "169.254.0.0/16", "127.0.0.1"])
    assert policy.refuses("10.20.30.40") is None
    assert policy.refuses("127.0.0.1") is None
    assert policy.refuses("127.0.0.2") is not None
    assert policy.refuses("169.254.169.254") is not None


class Recorder:
    """A loopback server on 127.0.0.1 that records what reaches it."""

    def __init__(self) -> None:
        self.hits: list[str] = []

    def route(self, info) -> Reply:
        self.hits.append(info.path)
        return Reply(body=page("内网", "", footer=False))


def test_links_and_redirects_to_internal_addresses_are_findings_not_requests(db_path):
    recorder = Recorder()
    with PortalServer(routes={"/secret.html": recorder.route}, host="127.0.0.1") as inside:
        links = [
            "/ok.html",
            "http://169.254.169.254/latest/meta-data/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://10.255.1.2/oa/",
            f"http://127.0.0.1:{inside.port}/secret.html",  # loopback, but not the site's address
            f"http://localhost:{inside.port}/secret.html",  # a name resolving there
            "/go-metadata",
        ]
        body = "".join(f'<a href="{u}">{i}</a>' for i, u in enumerate(links))
        routes = {
            "/": Reply(body=page("首页", body, footer=False)),
            "/ok.html": Reply(body=page("正常", "", footer=False)),
            "/go-metadata": Reply(302, headers={"Location": "http://169.254.169.254/latest/"}),
        }
        # The site lives on 127.0.0.2: that address is its own; 127.0.0.1 is not.
        with PortalServer(routes=routes, host="127.0.0.2") as site:
            site_url = site.url
            run_cli("crawl", site_url, "--db", str(db_path), "--timeout", "3", check_exit=1)
    found = {f["target"].replace(str(inside.port), "PORT"): f for f in findings_jsonl(db_path)}
    assert recorder.hits == []  # nothing reached the inside server
    expected = {
        "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/",
        "http://10.255.1.2/oa/", "http://127.0.0.1:PORT/secret.html", "http://localhost:PORT/secret.html",
        site_url + "go-metadata",
    }
    assert set(found) == expected
    for f in found.values():
        assert (f["kind"], f["category"]) == ("dead_link", "blocked_address"), (f["target"], f["error"])


def test_a_start_url_at_a_metadata_address_is_refused(db_path):
    proc = run_cli("crawl", "http://169.254.169.254/latest/meta-data/", "--db", str(db_path),
                   "--timeout", "3")
    assert proc.returncode == 2, proc.stderr
    assert "169.254.169.254" in proc.stderr and "Traceback" not in proc.stderr


def test_recheck_refuses_internal_addresses_too():
    recorder = Recorder()
    with PortalServer(routes={"/secret.html": recorder.route}, host="127.0.0.1") as inside:
        got = fetch(f"http://127.0.0.1:{inside.port}/secret.html", timeout=3, policy=AddressPolicy())
        allowed = fetch(f"http://127.0.0.1:{inside.port}/secret.html", timeout=3,
                        policy=AddressPolicy(["127.0.0.1"]))
    assert got.status is None and "内网" in got.error
    assert allowed.status == 200
    assert recorder.hits == ["/secret.html"]  # only the allowed request reached it


def test_configured_private_addresses_are_requested(tmp_path, db_path):
    recorder = Recorder()
    with PortalServer(routes={"/secret.html": recorder.route}, host="127.0.0.1") as inside:
        link = f"http://127.0.0.1:{inside.port}/secret.html"
        routes = {"/": Reply(body=page("首页", f'<a href="{link}">内网系统</a>', footer=False))}
        with PortalServer(routes=routes, host="127.0.0.2") as site:
            config = tmp_path / "duwang.toml"
            config.write_text(f'db = "{db_path}"\n[[site]]\nname = "区政府"\nstart_urls = ["{site.url}"]\n'
                              'allowed_addresses = ["127.0.0.0/24"]\n', encoding="utf-8")
            run_cli("crawl", "--config", str(config), check_exit=0)
    assert findings_jsonl(db_path) == []
    assert recorder.hits  # requested: HEAD, or GET


def test_a_bad_network_in_the_config_names_the_key(tmp_path):
    config = tmp_path / "duwang.toml"
    config.write_text('[[site]]\nname = "区政府"\nstart_urls = ["http://127.0.0.1:1/"]\n'
                      'allowed_addresses = ["10.0.0.0/33"]\n', encoding="utf-8")
    proc = run_cli("crawl", "--config", str(config), "--db", str(tmp_path / "d.db"))
    assert proc.returncode == 2 and "duwang.toml:4" in proc.stderr and "allowed_addresses" in proc.stderr
