"""Registration of every module that an mmrtseg config may name."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope=True):
    """Import mmrtseg, mmseg and mmdet modules so that they are registered.

    mmseg's modules resolve in mmrtseg configs without a prefix (our
    registries are its children); mmdet's resolve with the ``mmdet.`` prefix.

    Args:
        init_default_scope (bool): Whether to set the default scope to
            ``'mmrtseg'``. Defaults to True.
    """
    import mmdet.datasets  # noqa: F401
    import mmdet.engine  # noqa: F401
    import mmdet.evaluation  # noqa: F401
    import mmdet.models  # noqa: F401
    import mmdet.visualization  # noqa: F401
    import mmseg.datasets  # noqa: F401
    import mmseg.engine  # noqa: F401
    import mmseg.evaluation  # noqa: F401
    import mmseg.models  # noqa: F401
    import mmseg.structures  # noqa: F401
    import mmseg.visualization  # noqa: F401

    import mmrtseg.datasets  # noqa: F401
    import mmrtseg.engine  # noqa: F401
    import mmrtseg.evaluation  # noqa: F401
    import mmrtseg.models  # noqa: F401
    import mmrtseg.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or current.scope_name != 'mmrtseg':
        if current is not None:
            warnings.warn(f'The current default scope "{current.scope_name}" '
                          'is not "mmrtseg"; a new one named "mmrtseg" is '
                          'created and made current.')
        DefaultScope.get_instance(
            f'mmrtseg-{datetime.datetime.now()}', scope_name='mmrtseg')
