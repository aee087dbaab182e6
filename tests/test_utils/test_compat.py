import pytest

from mmrtseg.utils import check_dependency_versions

GOOD = {
    'mmengine': '0.10.7',
    'mmcv': '2.1.0',
    'mmsegmentation': '1.2.2',
    'mmdet': '3.3.0'
}


def test_supported_versions_pass():
    check_dependency_versions(GOOD)


def test_installed_environment_is_supported():
    check_dependency_versions()


@pytest.mark.parametrize('name,version,expected', [
    ('mmcv', '2.2.0', 'mmcv==2.2.0 is installed but mmrtseg needs'),
    ('mmdet', '3.2.0', 'install mmdet==3.3.0'),
    ('mmsegmentation', '0.30.0', 'install mmsegmentation==1.2.2'),
    ('mmengine', None, 'mmengine is not installed'),
])
def test_wrong_versions_say_what_to_install(name, version, expected):
    installed = dict(GOOD)
    installed[name] = version
    with pytest.raises(ImportError, match=expected):
        check_dependency_versions(installed)
