"""Checks of the OpenMMLab stack that mmrtseg is tested against."""
from importlib import metadata

#: package -> (minimum inclusive, maximum exclusive, what to install)
SUPPORTED = {
    'mmengine': ('0.10.0', '0.11.0', 'mmengine==0.10.7'),
    'mmcv': ('2.1.0', '2.2.0', 'mmcv==2.1.0 (built with MMCV_WITH_OPS=1, see README)'),
    'mmsegmentation': ('1.2.0', '1.3.0', 'mmsegmentation==1.2.2'),
    'mmdet': ('3.3.0', '3.4.0', 'mmdet==3.3.0'),
}


def _as_tuple(version):
    parts = []
    for piece in version.split('+')[0].split('.'):
        digits = ''.join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def check_dependency_versions(installed=None):
    """Raise ``ImportError`` naming every package of the stack that is
    missing or outside its supported range, and what to install instead.

    Args:
        installed (dict, optional): package name -> version, for tests.
            Defaults to the versions found by ``importlib.metadata``.
    """
    problems = []
    for name, (low, high, fix) in SUPPORTED.items():
        if installed is not None:
            version = installed.get(name)
        else:
            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = None
        if version is None:
            problems.append(f'{name} is not installed; install {fix}')
        elif not _as_tuple(low) <= _as_tuple(version) < _as_tuple(high):
            problems.append(f'{name}=={version} is installed but mmrtseg '
                            f'needs {low} <= {name} < {high}; install {fix}')
    if problems:
        raise ImportError('mmrtseg cannot run with this environment:\n  ' +
                          '\n  '.join(problems) +
                          '\nRun `make install` (or tools/install.sh) to set up '
                          'the pinned stack.')
