"""Input checks shared by the backbones."""


def check_backbone_input(module, x, in_channels, size_divisor):
    """Raise ``ValueError`` unless ``x`` is ``N x in_channels x H x W`` with
    ``H`` and ``W`` divisible by ``size_divisor``."""
    name = type(module).__name__
    if x.dim() != 4 or x.shape[1] != in_channels:
        raise ValueError(f'{name} expects inputs of shape N x {in_channels} x '
                         f'H x W, got {tuple(x.shape)}')
    height, width = x.shape[2:]
    if height % size_divisor or width % size_divisor:
        raise ValueError(
            f'{name} needs input height and width divisible by '
            f'{size_divisor} (its decoder mirrors {size_divisor}x of '
            f'downsampling), got {height}x{width}; train on crops of such '
            'sizes and pad test images, e.g. with data_preprocessor=dict('
            f'test_cfg=dict(size_divisor={size_divisor}))')


def check_per_stage(owner, stage, reference_name, reference, **per_stage):
    """Raise ``ValueError`` unless every keyword argument has one entry per
    entry of ``reference``.

    Args:
        owner (str): Who checks, named first in the message (e.g. 'ERFNet').
        stage (str): What one entry of ``reference`` is, e.g.
            'encoder stage'.
        reference_name (str): The argument that fixes the number of stages.
        reference (Sequence): Its value.
        **per_stage (Sequence): The arguments to check, by their names as
            the user wrote them.
    """
    for name, value in per_stage.items():
        if len(value) != len(reference):
            raise ValueError(
                f'{owner}: {name} needs one entry per {stage} '
                f'({reference_name}={tuple(reference)}), got {value!r}')
