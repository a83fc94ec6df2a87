"""Township names resolve to codes only when unique, or when the county makes them unique."""
from __future__ import annotations

from transforms.identity import identify
from transforms.regions import gazetteer


def test_prefixed_township_name_resolves() -> None:
    result = gazetteer().resolve("济源市承留镇")
    assert (result.status, result.region_code) == ("resolved", "419001103")
    assert gazetteer().resolve("承留镇人民政府").region_code == "419001103"


def test_shared_name_is_ambiguous_with_candidates() -> None:
    result = gazetteer().resolve("城关镇")
    assert result.status == "ambiguous" and result.region_code is None
    assert len(result.candidates) == 88


def test_county_in_title_text_or_configuration_disambiguates() -> None:
    candidates = gazetteer().resolve("城关镇").candidates
    target = candidates[10]
    names = gazetteer().full_names(target)
    in_title = gazetteer().resolve(f"{names['county']}城关镇")
    assert (in_title.status, in_title.region_code) == ("resolved", target)
    by_scope = gazetteer().resolve("城关镇", scope_code=target[:6])
    assert (by_scope.region_code, by_scope.method) == (target, "name + the source's county")
    by_text = gazetteer().resolve("城关镇", context=f"根据{names['county']}人民政府的部署")
    assert by_text.region_code == target


def test_county_and_city_governments_are_units_too() -> None:
    county = gazetteer().resolve("洪泽区人民政府")
    assert (county.region_code, county.unit_type) == ("320813", "county")
    city = gazetteer().resolve("淮安市人民政府")
    assert (city.region_code, city.unit_type) == ("3208", "city")
    department = gazetteer().resolve("湘潭县教育局")
    assert (department.region_code, department.unit_type) == ("430321", "department")


def test_year_from_statistical_period_when_title_has_none() -> None:
    lines = ["某镇政府信息公开工作年度报告", "本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。"]
    identity = identify(lines, "\n".join(lines))
    assert (identity.year, identity.year_source) == (2023, "statistical period")


def test_notice_wording_around_the_title_is_not_the_unit() -> None:
    lines = ["关于公布湘潭县易俗河镇2024年政府信息公开工作年度报告的通知"]
    identity = identify(lines, lines[0])
    assert (identity.unit, identity.year, identity.region.region_code) == ("易俗河镇", 2024, "430321100")


def test_special_zone_aliases_place_the_zone_and_its_departments() -> None:
    for unit, unit_type in (("平潭综合实验区", "county"), ("平潭综合实验区管委会", "county"),
                            ("平潭综合实验区交通与建设局", "department"), ("福建平潭综合实验区农业农村局", "department")):
        result = gazetteer().resolve(unit)
        assert (result.status, result.region_code, result.unit_type) == ("resolved", "350128", unit_type), unit
        assert "aliases.csv" in result.method
    zone = gazetteer().resolve("雄安新区管理委员会")
    assert (zone.region_code, zone.unit_type) == ("1306", "zone")  # placed at 保定市, not 保定市's government
    assert gazetteer().resolve("广州开发区管委会").region_code == "440112"


def test_a_township_inside_a_zone_is_the_township() -> None:
    town = gazetteer().resolve("平潭综合实验区平潭镇")  # 平潭镇 is in 广东 (441303110): unique, and a township
    assert (town.region_code, town.unit_type) == ("441303110", "township")


def test_departments_take_their_governments_code() -> None:
    for unit, code in (("上海市人民政府办公厅", "31"), ("湘潭县财政局", "430321"), ("深圳市龙岗区教育局", "440307"),
                       ("淮安市人民政府办公室", "3208"), ("福建省财政厅", "35")):
        result = gazetteer().resolve(unit)
        assert (result.status, result.region_code, result.unit_type) == ("resolved", code, "department"), unit
    for unit, code, level in (("深圳市龙岗区", "440307", "county"), ("深圳市龙岗区人民政府", "440307", "county"),
                              ("苏州工业园区", "320576", "county"), ("上海市人民政府", "31", "province")):
        result = gazetteer().resolve(unit)
        assert (result.region_code, result.unit_type) == (code, level), unit


def test_ambiguous_and_unknown_stay_unresolved() -> None:
    shared = gazetteer().resolve("城关镇财政所")
    assert shared.status == "ambiguous" and shared.region_code is None and len(shared.candidates) == 88
    unknown = gazetteer().resolve("某某县财政局")
    assert unknown.status == "unresolved" and unknown.region_code is None


def test_alias_codes_exist_in_the_gazetteer() -> None:
    assert gazetteer().aliases and all(a.region_code in gazetteer().by_code for a in gazetteer().aliases)
