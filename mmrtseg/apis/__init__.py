from .inference import build_segmentor_from_config, init_model
from .refine import find_result_images, refine_instances

__all__ = [
    'build_segmentor_from_config', 'init_model', 'refine_instances',
    'find_result_images'
]
