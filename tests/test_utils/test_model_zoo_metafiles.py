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


def test_baselines_only_when_asked_and_last(tmp_path):
    for name in ('a_city', 'z_city'):
        (tmp_path / 'configs' / name[0]).mkdir(parents=True)
        (tmp_path / 'configs' / name[0] / f'{name}.py').write_text('')
    write(tmp_path, 'a', """
Models:
- Name: a_city
  In Collection: A
  Config: configs/a/a_city.py
  Metadata: {Baseline: true}
""")
    write(tmp_path, 'z', """
Models:
- Name: z_city
  In Collection: Z
  Config: configs/z/z_city.py
  Metadata: {Reference Parameters (M): 2.0, Reference Note: the paper's}
""")
    (real_time, ) = load_model_zoo(tmp_path / 'configs')
    assert real_time.name == 'z_city' and not real_time.is_baseline
    assert real_time.reference_note == "the paper's"
    entries = load_model_zoo(tmp_path / 'configs', baselines=True)
    assert [e.name for e in entries] == ['z_city', 'a_city']
    assert entries[1].is_baseline and entries[1].reference_params is None


def test_a_baseline_with_a_reference_count_is_an_error(tmp_path):
    write(tmp_path, 'd', """
Models:
- Name: d_city
  In Collection: D
  Config: configs/d/d_city.py
  Metadata: {Baseline: true, Reference Parameters (M): 1.0}
""")
    with pytest.raises(ValueError, match='d/metafile.yml.*one or the other'):
        load_model_zoo(tmp_path / 'configs', baselines=True)
