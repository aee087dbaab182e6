import pytest

from mmrtseg.utils.model_zoo import load_model_zoo


def write(root, folder, text):
    (root / 'configs' / folder).mkdir(parents=True, exist_ok=True)
    (root / 'configs' / folder / 'metafile.yml').write_text(text)


def test_reads_entries_with_reference_counts(tmp_path):
    (tmp_path / 'configs' / 'a').mkdir(parents=True)
    (tmp_path / 'configs' / 'a' / 'a_city.py').write_text('')
    (tmp_path / 'configs' / 'a' / 'a_camvid.py').write_text('')
    write(tmp_path, 'a', """
Models:
- Name: a_city
  In Collection: A
  Config: configs/a/a_city.py
  Metadata:
    Reference Parameters (M): 1.5
- Name: a_camvid
  In Collection: A
  Config: configs/a/a_camvid.py
  Metadata: {Training Data: CamVid}
""")
    (entry, ) = load_model_zoo(tmp_path / 'configs')
    assert entry.name == 'a_city' and entry.collection == 'A'
    assert entry.reference_params == 1.5
    assert entry.config == (tmp_path / 'configs/a/a_city.py').resolve()


def test_missing_config_names_the_metafile(tmp_path):
    write(tmp_path, 'b', """
Models:
- Name: b_city
  In Collection: B
  Config: configs/b/missing.py
  Metadata: {Reference Parameters (M): 1.0}
""")
    with pytest.raises(FileNotFoundError, match='b/metafile.yml.*missing.py'):
        load_model_zoo(tmp_path / 'configs')


def test_missing_key_names_the_metafile(tmp_path):
    write(tmp_path, 'c', """
Models:
- Name: c_city
  Metadata: {Reference Parameters (M): 1.0}
""")
    with pytest.raises(ValueError, match='c/metafile.yml.*In Collection'):
        load_model_zoo(tmp_path / 'configs')
