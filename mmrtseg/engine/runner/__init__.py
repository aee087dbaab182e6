from .runner import RTSegRunner

__all__ = ['RTSegRunner']
