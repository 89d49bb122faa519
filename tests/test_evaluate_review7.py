from __future__ import annotations

from stance.evaluate import load_rows


def test_csv_empty_cells_are_no_labels_and_label_errors_keep_the_id(tmp_path):
    path = tmp_path / "team_heldout.csv"
    path.write_text("id,text,uncivil,parent_id\n"
                    "a,You are a moron.,1,\n"
                    "b,Not labelled yet.,,\n"
                    "c,Thanks for the link.,maybe,a\n", encoding="utf-8")
    rows, errors = load_rows(str(path))
    assert [r["id"] for r in rows] == ["a", "b"]
    assert "uncivil" not in rows[1] and "parent_id" not in rows[0]  # "" is no value here
    assert len(errors) == 1 and errors[0]["id"] == "c" and errors[0]["line"] == 4
