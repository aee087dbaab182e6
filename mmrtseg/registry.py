"""mmrtseg's registries: children of mmsegmentation's, so every mmseg module
resolves without a prefix in mmrtseg configs, and mmdet's modules resolve with
the ``mmdet.`` prefix (see ``docs/en/advanced_guides/registry.md``)."""
import difflib
import re

from mmengine.registry import Registry
from mmseg.registry import DATA_SAMPLERS as MMSEG_DATA_SAMPLERS
from mmseg.registry import DATASETS as MMSEG_DATASETS
from mmseg.registry import EVALUATOR as MMSEG_EVALUATOR
from mmseg.registry import HOOKS as MMSEG_HOOKS
from mmseg.registry import INFERENCERS as MMSEG_INFERENCERS
from mmseg.registry import LOG_PROCESSORS as MMSEG_LOG_PROCESSORS
from mmseg.registry import LOOPS as MMSEG_LOOPS
from mmseg.registry import METRICS as MMSEG_METRICS
from mmseg.registry import MODEL_WRAPPERS as MMSEG_MODEL_WRAPPERS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMSEG_OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.registry import OPTIM_WRAPPERS as MMSEG_OPTIM_WRAPPERS
from mmseg.registry import OPTIMIZERS as MMSEG_OPTIMIZERS
from mmseg.registry import PARAM_SCHEDULERS as MMSEG_PARAM_SCHEDULERS
from mmseg.registry import \
    RUNNER_CONSTRUCTORS as MMSEG_RUNNER_CONSTRUCTORS
from mmseg.registry import RUNNERS as MMSEG_RUNNERS
from mmseg.registry import TASK_UTILS as MMSEG_TASK_UTILS
from mmseg.registry import TRANSFORMS as MMSEG_TRANSFORMS
from mmseg.registry import VISBACKENDS as MMSEG_VISBACKENDS
from mmseg.registry import VISUALIZERS as MMSEG_VISUALIZERS
from mmseg.registry import \
    WEIGHT_INITIALIZERS as MMSEG_WEIGHT_INITIALIZERS

SCOPE = 'mmrtseg'

RUNNERS = Registry('runner', parent=MMSEG_RUNNERS, scope=SCOPE)
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMSEG_RUNNER_CONSTRUCTORS, scope=SCOPE)
LOOPS = Registry('loop', parent=MMSEG_LOOPS, scope=SCOPE,
                 locations=['mmrtseg.engine'])
HOOKS = Registry('hook', parent=MMSEG_HOOKS, scope=SCOPE,
                 locations=['mmrtseg.engine'])
DATASETS = Registry('dataset', parent=MMSEG_DATASETS, scope=SCOPE,
                    locations=['mmrtseg.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMSEG_DATA_SAMPLERS,
                         scope=SCOPE, locations=['mmrtseg.datasets'])
TRANSFORMS = Registry('transform', parent=MMSEG_TRANSFORMS, scope=SCOPE,
                      locations=['mmrtseg.datasets'])
MODELS = Registry('model', parent=MMSEG_MODELS, scope=SCOPE,
                  locations=['mmrtseg.models'])
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMSEG_MODEL_WRAPPERS,
                          scope=SCOPE, locations=['mmrtseg.models'])
WEIGHT_INITIALIZERS = Registry('weight initializer',
                               parent=MMSEG_WEIGHT_INITIALIZERS, scope=SCOPE,
                               locations=['mmrtseg.models'])
OPTIMIZERS = Registry('optimizer', parent=MMSEG_OPTIMIZERS, scope=SCOPE,
                      locations=['mmrtseg.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMSEG_OPTIM_WRAPPERS,
                          scope=SCOPE, locations=['mmrtseg.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMSEG_OPTIM_WRAPPER_CONSTRUCTORS, scope=SCOPE,
    locations=['mmrtseg.engine'])
PARAM_SCHEDULERS = Registry('parameter scheduler',
                            parent=MMSEG_PARAM_SCHEDULERS, scope=SCOPE,
                            locations=['mmrtseg.engine'])
METRICS = Registry('metric', parent=MMSEG_METRICS, scope=SCOPE,
                   locations=['mmrtseg.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMSEG_EVALUATOR, scope=SCOPE,
                     locations=['mmrtseg.evaluation'])
TASK_UTILS = Registry('task util', parent=MMSEG_TASK_UTILS, scope=SCOPE,
                      locations=['mmrtseg.models'])
VISUALIZERS = Registry('visualizer', parent=MMSEG_VISUALIZERS, scope=SCOPE,
                       locations=['mmrtseg.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMSEG_VISBACKENDS, scope=SCOPE,
                       locations=['mmrtseg.visualization'])
LOG_PROCESSORS = Registry('log_processor', parent=MMSEG_LOG_PROCESSORS,
                          scope=SCOPE, locations=['mmrtseg.engine'])
INFERENCERS = Registry('inferencer', parent=MMSEG_INFERENCERS, scope=SCOPE,
                       locations=['mmrtseg.apis'])

_UNKNOWN_TYPE = re.compile(
    r'`?(?P<name>[\w.]+)`? is not in the (?P<registry>[\w:. ]+?) registry')


def _visible_names(registry_path):
    """All names a registry given as ``'scope::name'`` can resolve: its own,
    its ancestors', and (with their scope prefix) its siblings'."""
    import mmengine.registry as mmengine_registry
    scope, _, name = registry_path.partition('::')
    roots = [
        obj for obj in vars(mmengine_registry).values()
        if isinstance(obj, Registry) and obj.name == name
    ]
    names = set()
    for root in roots:
        registry = root._search_child(scope) or root
        node = registry
        while node is not None:
            names.update(node.module_dict)
            node = node.parent
        for child_scope, child in root._children.items():
            if child_scope != scope:
                names.update(f'{child_scope}.{key}' for key in child.module_dict)
    return names


def suggest_close_types(error):
    """Return a ``KeyError`` that adds the closest registered names to
    mmengine's "`X` is not in the ... registry" error, or ``None`` if
    ``error`` is not such an error."""
    match = _UNKNOWN_TYPE.search(str(error))
    if match is None or 'Did you mean' in str(error):
        return None
    wanted = match.group('name')
    candidates = _visible_names(match.group('registry'))
    close = difflib.get_close_matches(wanted, candidates, n=5, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        close = [
            lowered[c] for c in difflib.get_close_matches(
                wanted.lower(), list(lowered), n=5, cutoff=0.4)
        ]
    hint = (f'Did you mean: {", ".join(close)}?' if close else
            'No registered name is close to it.')
    return KeyError(f'Unknown type `{wanted}` in the {match.group("registry")}'
                    f' registry. {hint} (original error: {error})')
