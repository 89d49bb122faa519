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


def test_lines_that_could_not_be_written_back_are_errors_in_place():
    lines = [
        '{"text": "broken emoji \\ud83d end"}',  # a lone surrogate escape
        '{"text": "fine emoji \\ud83d\\ude00"}',  # a proper pair
        '{"text": "caf\udce9"}',  # byte 0xe9 read with surrogateescape (Latin-1 input)
        '{"text": "x", "score": NaN}',
        '{"text": "x", "score": 1e400}',
        '{"text": "x", "score": 1.5}',
    ]
    out = list(parse_lines(lines, "c.jsonl"))
    assert [is_error(r) for r in out] == [True, False, True, True, True, False]
    assert "surrogate" in out[0]["error"] and out[1]["text"] == "fine emoji \U0001f600"
    assert out[2]["error"].startswith("c.jsonl:3: not valid UTF-8 (byte 0xe9")
    assert "NaN" in out[3]["error"] and "out of range" in out[4]["error"]


def test_bom_on_first_line_of_a_stream_is_ignored():
    out = list(parse_lines(['\ufeff{"text": "first"}\n', '{"text": "second"}\n'], "<stdin>"))
    assert [r["text"] for r in out] == ["first", "second"]


def test_output_replaces_the_file_only_when_complete(tmp_path):
    import pytest

    from stance.errors import InputError
    from stance.io import open_output

    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), open_output(target) as fh:
        fh.write("partial\n")
        raise RuntimeError("fatal error mid-run")
    assert target.read_text() == "old\n" and list(tmp_path.iterdir()) == [target]
    with open_output(target) as fh:
        fh.write("new\n")
    assert target.read_text() == "new\n" and list(tmp_path.iterdir()) == [target]
    with pytest.raises(InputError, match="is a directory"), open_output(tmp_path):
        pass
    (tmp_path / "afile").write_text("")
    under_a_file = tmp_path / "afile" / "x.jsonl"
    with pytest.raises(InputError, match="cannot write"), open_output(under_a_file):
        pass


def test_output_to_a_symlink_a_pipe_or_a_device_is_never_replaced(tmp_path):
    import os
    import sys
    import threading

    import pytest

    from stance.io import open_output

    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with open_output(link) as fh:
        fh.write("new\n")
    assert link.is_symlink() and real.read_text() == "new\n"
    if sys.platform.startswith("win"):
        pytest.skip("no named pipes")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    with open_output(fifo) as fh:
        fh.write("through the pipe\n")
    reader.join(10)
    assert got == ["through the pipe\n"] and not fifo.is_file()
    if os.path.exists(os.devnull):
        with open_output(os.devnull) as fh:
            fh.write("gone\n")
        assert not os.path.isfile(os.devnull)


def test_csv_and_gzip_inputs(tmp_path):
    import gzip

    import pytest

    from stance.errors import InputError
    from stance.io import read_records

    csv_text = (
        'id,text,target,parent_id\n'
        '1,"Sanctions work, keep them.",sanctions,\n'
        '2,"A reply\nover two lines",,1\n'
        '3,too,many,cells,here\n'
        '4\n'
    )
    path = tmp_path / "c.csv"
    path.write_text(csv_text, encoding="utf-8")
    out = list(read_records(path))
    # empty cells pass through as "" (every output line has every column)
    assert out[0] == {"id": "1", "text": "Sanctions work, keep them.", "target": "sanctions",
                      "parent_id": ""}
    assert out[1] == {"id": "2", "text": "A reply\nover two lines", "target": "",
                      "parent_id": "1"}
    assert is_error(out[2]) and out[2]["error"].startswith(f"{path}:5: more cells")
    assert is_error(out[3]) and out[3]["error"].startswith(f"{path}:6: fewer cells")
    gz = tmp_path / "c.jsonl.gz"
    gz.write_bytes(gzip.compress(b'{"text": "zipped"}\n{oops\n'))
    assert [is_error(r) for r in read_records(gz)] == [False, True]
    (tmp_path / "bad.csv").write_text("id,body\n1,hello\n")
    with pytest.raises(InputError, match="no 'text' column"):
        list(read_records(tmp_path / "bad.csv"))
