"""Input injection: the image, downsampled without parameters to the
resolution of a stage, to be concatenated with its features. Used by
DABNet (https://arxiv.org/abs/1907.11357), CFPNet
(https://arxiv.org/abs/2103.12212) and ESPNet-C
(https://arxiv.org/abs/1803.06815)."""
from mmseg.models.backbones.cgnet import \
    InputInjection as MMSegInputInjection


class InputInjection(MMSegInputInjection):
    """mmseg's CGNet ``InputInjection``: halve the image
    ``num_downsamples`` times with a 3x3 stride-2 average pool (padding 1),
    so an ``H x W`` input becomes ``ceil(H / 2**n) x ceil(W / 2**n)``;
    here with a check of its argument.

    Args:
        num_downsamples (int): How many times the image is halved;
            at least 1.
    """

    def __init__(self, num_downsamples):
        if not isinstance(num_downsamples, int) or num_downsamples < 1:
            raise ValueError('InputInjection: num_downsamples must be a '
                             f'positive int, got {num_downsamples!r}')
        super().__init__(num_downsamples)
        self.num_downsamples = num_downsamples
