import subprocess
import sys


def test_import_loads_nothing_heavy():
    code = (
        "import sys, stance; "
        "heavy = [m for m in ('sklearn', 'joblib', 'pandas', 'datasets', 'numpy', 'lxml', "
        "'selectolax', 'typer') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_attributes_resolve():
    import stance

    assert callable(stance.split)
    assert stance.Scorer.__name__ == "Scorer"
    assert "score_records" in dir(stance)
