from stance.io import is_error, parse_lines, validate


def test_each_line_yields_one_record_or_error_in_order():
    lines = [
        '{"text": "fine"}\n',
        "{not json\n",
        "\n",
        '["a list"]\n',
        '{"text": 3}\n',
        '{"id": 1}\n',
        '{"text": "ok", "target": ["A", 2]}\n',
        '{"text": "last", "extra": {"kept": true}}\n',
    ]
    out = list(parse_lines(lines, "c.jsonl"))
    assert len(out) == len(lines)
    assert [is_error(r) for r in out] == [False, True, True, True, True, True, True, False]
    assert out[1]["line"] == 2 and out[1]["error"].startswith("c.jsonl:2: not valid JSON")
    assert "empty line" in out[2]["error"]
    assert "text" in out[5]["error"]
    assert out[7]["extra"] == {"kept": True}


def test_validate_accepts_contract_fields():
    assert validate({"text": "x", "target": "NATO", "title": "t", "parent_id": 4}) is None
    assert validate({"text": "x", "target": ["NATO", "Russia"]}) is None
    assert validate({"text": "x", "title": 5}) == "'title' must be a string"
