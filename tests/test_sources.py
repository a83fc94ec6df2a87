"""The sources file: valid files load, mistakes are reported with the file and the field."""
from __future__ import annotations

from pathlib import Path

import pytest

from flows.sources import DEFAULT_LINK_PATTERN, SourcesError, load_sources

ROOT = Path(__file__).resolve().parents[1]

FULL = """
inbox: [data/inbox, /srv/drop]
sites:
  - name: 某县政府信息公开年报
    list_url: https://www.example.gov.cn/zwgk/zfxxgknb/index.html
    county_code: "411503"
    link_pattern: "年度报告"
    max_pages: 3
    allowed_hosts: [files.example.gov.cn]
    rate_limit_per_s: 0.5
  - name: 另一县
    list_url: http://other.gov.cn/nb/
    county_code: 430321
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_file_loads(tmp_path):
    sources = load_sources(write(tmp_path, FULL), base_dir=tmp_path)
    assert sources.inbox == (tmp_path / "data" / "inbox", Path("/srv/drop"))
    first, second = sources.sites
    assert first.county_code == "411503" and first.max_pages == 3 and first.rate_limit_per_s == 0.5
    assert first.hosts == frozenset({"www.example.gov.cn", "files.example.gov.cn"})
    assert second.county_code == "430321" and second.link_pattern == DEFAULT_LINK_PATTERN
    assert second.max_pages == 5 and second.rate_limit_per_s is None and second.hosts == frozenset({"other.gov.cn"})


def test_default_sources_point_at_the_bundled_samples():
    sources = load_sources(ROOT / "data" / "sources.yaml", base_dir=ROOT)
    assert sources.inbox == (ROOT / "data" / "samples",) and sources.sites == ()
    assert sorted(p.suffix for p in sources.inbox[0].iterdir())


@pytest.mark.parametrize("text, where", [
    ("sites:\n  - name: a\n", "sites[0].list_url"),
    ("sites:\n  - name: a\n    list_url: ftp://x.gov.cn/\n", "sites[0].list_url"),
    ("sites:\n  - name: a\n    list_url: http://x.gov.cn/\n    county_code: '4115'\n", "sites[0].county_code"),
    ("sites:\n  - name: a\n    list_url: http://x.gov.cn/\n    link_pattern: '年度('\n", "sites[0].link_pattern"),
    ("sites:\n  - name: a\n    list_url: http://x.gov.cn/\n    max_pages: 0\n", "sites[0].max_pages"),
    ("sites:\n  - name: a\n    list_url: http://x.gov.cn/\n    max_pages: true\n", "sites[0].max_pages"),
    ("sites:\n  - name: a\n    list_url: http://x.gov.cn/\n    allowed_hosts: [https://y.gov.cn/]\n", "sites[0].allowed_hosts[0]"),
    ("sites:\n  - name: a\n    list_url: http://x.gov.cn/\n    rate_limit_per_s: -1\n", "sites[0].rate_limit_per_s"),
    ("sites:\n  - name: a\n    list_url: http://x.gov.cn/\n    maxpages: 3\n", "sites[0]: unknown key(s) maxpages"),
    ("sites:\n  - {name: a, list_url: 'http://x.gov.cn/'}\n  - {name: a, list_url: 'http://y.gov.cn/'}\n", "sites[1].name"),
    ("sites:\n  - just a string\n", "sites[0]"),
    ("sites: {name: a}\n", "sites"),
    ("inbox: 3\n", "inbox"),
    ("inbox: data/inbox\nsite: []\n", "unknown key(s) site"),
    ("", "empty"),
    ("- a\n- b\n", "expected a mapping"),
    ("sites: [\n", "not valid YAML at line"),
])
def test_mistakes_name_the_file_and_the_field(tmp_path, text, where):
    path = write(tmp_path, text)
    with pytest.raises(SourcesError) as info:
        load_sources(path, base_dir=tmp_path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and where in message, message


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SourcesError, match="sources file not found"):
        load_sources(tmp_path / "nope.yaml")


SITE = "sites:\n  - name: a\n    list_url: {url}\n{extra}"


@pytest.mark.parametrize("url,extra,where,why", [
    ("http://127.0.0.1:8000/nb/", "", "sites[0].list_url", "loopback"),
    ("http://localhost/nb/", "", "sites[0].list_url", "loopback"),
    ("http://10.1.2.3/nb/", "", "sites[0].list_url", "private"),
    ("http://169.254.169.254/latest/", "", "sites[0].list_url", "link-local"),
    ("http://[::1]/nb/", "", "sites[0].list_url", "loopback"),
    ("http://x.gov.cn/", "    rate_limit_per_s: .inf\n", "sites[0].rate_limit_per_s", "finite"),
    ("http://x.gov.cn/", "    rate_limit_per_s: .nan\n", "sites[0].rate_limit_per_s", "finite"),
    ("http://x.gov.cn/", "    rate_limit_per_s: 100000\n", "sites[0].rate_limit_per_s", "outside"),
    ("http://x.gov.cn/", "    link_pattern: '(a+)+$'\n", "sites[0].link_pattern", "repeat inside a repeat"),
    ("http://x.gov.cn/", "    link_pattern: '(.*)*报告'\n", "sites[0].link_pattern", "repeat inside a repeat"),
    ("http://x.gov.cn/", "    max_links_per_page: 0\n", "sites[0].max_links_per_page", "1 to 100000"),
    ("http://x.gov.cn/", "    allow_private: yes please\n", "sites[0].allow_private", "true or false"),
])
def test_unsafe_sites_are_refused(tmp_path, url, extra, where, why):
    path = write(tmp_path, SITE.format(url=url, extra=extra))
    with pytest.raises(SourcesError) as info:
        load_sources(path, base_dir=tmp_path)
    message = str(info.value)
    assert message.startswith(f"{path}: {where}: ") and why in message and "\n" not in message, message


def test_allow_private_lets_a_test_portal_through(tmp_path):
    text = SITE.format(url="http://127.0.0.1:8000/nb/", extra="    allow_private: true\n    link_pattern: '\\d{4}年.*报告'\n")
    site, = load_sources(write(tmp_path, text), base_dir=tmp_path).sites
    assert site.allow_private and site.max_links_per_page == 200 and site.max_links_per_run == 500
