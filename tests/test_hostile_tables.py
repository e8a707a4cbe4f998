"""Tables that once read wrongly: a byte-order mark, a duplicated column name, numbers in a
syntax other than NumPy's."""

import numpy as np
import pytest

from glassnet.datasets import DataFileError, load_table


def test_a_byte_order_mark_is_not_part_of_the_first_name(tmp_path):
    path = tmp_path / "bom.csv"
    rows = "\n".join(f"{i},{i % 3},{i % 2}" for i in range(40))
    path.write_bytes(("\ufeffx1,x2,y\n" + rows + "\n").encode("utf-8"))
    data = load_table(path, target="x1", task="regression")
    assert data.feature_names == ["x2", "y"]
    plain = tmp_path / "plain.csv"
    plain.write_text("x1,x2,y\n" + rows + "\n")
    np.testing.assert_array_equal(load_table(plain, target="x1", task="regression").X_train,
                                  data.X_train)  # fmt: skip


def test_a_column_name_twice_is_an_error(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("a,b,a\n1,2,3\n4,5,6\n")
    with pytest.raises(DataFileError, match="names column 'a' twice"):
        load_table(path, target="a")


@pytest.mark.parametrize("cell", ["1_000", "\u0661\u0662", "\uff11\uff12"])
def test_only_ascii_number_syntax_is_a_number(tmp_path, cell):
    path = tmp_path / "digits.csv"
    path.write_text(f"a,y\n1,0\n{cell},1\n3,0\n4,1\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=f"line 3, column 'a': '{cell}' is not a number"):
        load_table(path, target="y")


def test_a_parquet_column_name_twice_is_an_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "twice.parquet"
    pq.write_table(pa.table([[1.0, 2.0], [3.0, 4.0]], names=["a", "a"]), path)
    # pyarrow 26 refuses the file itself ("Multiple matches for FieldRef.Name(a)"); a reader
    # that takes it meets glassnet's own check of the names
    with pytest.raises(DataFileError, match="twice.parquet: (not a readable Parquet file|the "
                                            "header names column 'a' twice)"):  # fmt: skip
        load_table(path, target="a")
