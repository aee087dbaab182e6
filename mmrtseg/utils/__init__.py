from .compat import check_dependency_versions
from .runner_utils import (build_runner, explain_unknown_types,
                           init_cpu_distributed, load_config)
from .progress import map_with_progress
from .setup_env import register_all_modules

__all__ = [
    'build_runner', 'check_dependency_versions', 'explain_unknown_types',
    'init_cpu_distributed', 'load_config', 'map_with_progress',
    'register_all_modules'
]
