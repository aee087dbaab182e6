from .inference import build_segmentor_from_config, init_model

__all__ = ['build_segmentor_from_config', 'init_model']
