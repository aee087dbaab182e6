"""PCA mask coder of MEInst.

MEInst: "Mask Encoding for Single Shot Instance Segmentation", Zhang et al.,
CVPR 2020 (https://arxiv.org/abs/2003.11712); reference code in AdelaiDet,
``adet/modeling/MEInst/MaskEncoding.py`` and ``pca/pca_labels.py``.

Each instance mask is cropped to its box and resampled to ``S x S``
(``S = 28``), every pixel is mapped through the logit after clamping it to
``[eps, 1 - eps]`` (the "sigmoid" trick: binary targets become finite
numbers), and the ``S * S`` vector is projected onto the first ``num_codes``
principal components, divided by the square root of their variances
(whitening). Decoding inverts the projection, applies the sigmoid, pastes the
``S x S`` probability map bilinearly into the box at image resolution and
thresholds it at 0.5.

The fitted matrix is stored in MEInst's ``.npz`` layout (``components_c``
``(1, D, S*S)``, ``mean_c`` ``(1, S*S)``, ``ratio_c`` ``(1, D)``,
``explained_variance_c`` ``(1, D)``), so a file made by AdelaiDet's
``pca_labels.py`` loads unchanged, and in persistent buffers, so a checkpoint
of a head carrying this coder needs no npz.
"""
import math
from pathlib import Path

import numpy as np
import torch

from mmrtseg.registry import TASK_UTILS
from .base_mask_coder import BaseMaskCoder

# keys of MEInst's npz, in its class-agnostic layout (a leading axis of 1)
NPZ_KEYS = ('components_c', 'mean_c', 'ratio_c', 'explained_variance_c')


def _axis_samples(start, length, out_size, limit):
    """1-D sample positions and bilinear weights of mmcv's ``roi_align``
    (``aligned=True``, ``sampling_ratio=0``) along one axis.

    The box ``[start, start + length]`` (pixel edges; pixel ``i`` covers
    ``[i, i + 1]``) is split into ``out_size`` bins, each sampled at
    ``ceil(length / out_size)`` evenly spaced points, bilinearly
    interpolated between pixel centres, zero beyond one pixel outside the
    image (``limit`` pixels long). For boxes longer than the image (plus
    two pixels) the number of samples is that of a box as long as the image
    (``roi_align`` would take one per pixel of the box).

    Returns:
        tuple: ``lo``, ``hi`` (int64 pixel indices), ``w_lo``, ``w_hi``
        (float32 weights, zero for samples outside the image), all of length
        ``out_size * n``, and ``n`` (samples per bin).
    """
    # boxes far larger than the image: at most about one sample per pixel
    # of the image instead of one per pixel of the box
    n = max(int(math.ceil(min(length, limit + 2) / out_size)), 1)
    step = length / out_size
    offsets = (np.arange(out_size)[:, None] +
               (np.arange(n)[None, :] + 0.5) / n).reshape(-1)
    pos = start - 0.5 + offsets * step
    valid = (pos >= -1.0) & (pos <= limit)
    pos = np.clip(pos, 0.0, None)
    lo = np.floor(pos).astype(np.int64)
    at_end = lo >= limit - 1
    lo = np.minimum(lo, limit - 1)
    hi = np.where(at_end, lo, lo + 1)
    frac = np.where(at_end, 0.0, pos - lo)
    w_hi = (frac * valid).astype(np.float32)
    w_lo = ((1.0 - frac) * valid).astype(np.float32)
    return lo, hi, w_lo, w_hi, n


def _min_size_boxes(boxes):
    """Boxes grown about their centres to at least one pixel per side, so
    that a zero-size box still defines a crop and a paste region."""
    boxes = boxes.copy()
    for lo, hi in ((0, 2), (1, 3)):
        size = boxes[:, hi] - boxes[:, lo]
        small = size < 1.0
        centre = (boxes[small, lo] + boxes[small, hi]) / 2
        boxes[small, lo] = centre - 0.5
        boxes[small, hi] = centre + 0.5
    return boxes


def crop_and_resize_masks(masks, boxes, out_size=28):
    """Crop binary masks to their boxes and resample them to
    ``out_size x out_size``, as mmcv's ``roi_align`` (``aligned=True``,
    ``sampling_ratio=0``, average of bilinear samples) on the float masks,
    which mmdet's ``BitmapMasks.crop_and_resize`` also uses.

    Separable per axis and computed on the box's pixels only, so the cost is
    about two passes over the box area per mask (no full-image float copy).
    Boxes thinner than one pixel are grown to one pixel about their centre;
    parts of a box outside the image read zeros.

    Args:
        masks (Tensor | np.ndarray | BitmapMasks): ``N x H x W`` masks.
        boxes (Tensor | np.ndarray): ``N x 4`` ``(x1, y1, x2, y2)`` boxes.
        out_size (int): Side of the crops. Defaults to 28.

    Returns:
        np.ndarray: ``N x out_size x out_size`` float32 crops in ``[0, 1]``.
    """
    masks = BaseMaskCoder.as_numpy_masks(masks)
    boxes = BaseMaskCoder.as_numpy_boxes(boxes, len(masks))
    boxes = _min_size_boxes(boxes)
    num, height, width = masks.shape
    crops = np.zeros((num, out_size, out_size), np.float32)
    if height == 0 or width == 0:
        return crops
    for i in range(num):
        x1, y1, x2, y2 = boxes[i]
        ylo, yhi, wylo, wyhi, ny = _axis_samples(y1, y2 - y1, out_size,
                                                 height)
        xlo, xhi, wxlo, wxhi, nx = _axis_samples(x1, x2 - x1, out_size, width)
        if not (wylo.any() or wyhi.any()) or not (wxlo.any() or wxhi.any()):
            continue  # the box lies outside the image
        c0, c1 = int(xlo.min()), int(xhi.max()) + 1
        band = masks[i, :, c0:c1]
        rows = (band[ylo] * wylo[:, None] + band[yhi] * wyhi[:, None])
        rows = rows.reshape(out_size, ny, -1).mean(1)
        cols = (rows[:, xlo - c0] * wxlo + rows[:, xhi - c0] * wxhi)
        crops[i] = cols.reshape(out_size, out_size, nx).mean(2)
    return crops


def paste_masks(probs, boxes, img_shape, threshold=0.5):
    """Paste ``N x S x S`` probability maps into their boxes at image
    resolution (bilinear between the map's cell centres, the border cells
    extended to the box edges) and threshold them.

    A pixel belongs to a box when its centre lies inside it; pixels outside
    every box are False. Boxes thinner than one pixel are grown to one pixel
    about their centre.

    Args:
        probs (np.ndarray): ``N x S x S`` probabilities.
        boxes (np.ndarray): ``N x 4`` ``(x1, y1, x2, y2)`` boxes.
        img_shape (tuple[int, int]): ``(H, W)`` of the output.
        threshold (float): Probability from which a pixel is foreground.

    Returns:
        np.ndarray: ``N x H x W`` bool masks.
    """
    height, width = (int(s) for s in img_shape[:2])
    num, size = probs.shape[0], probs.shape[-1]
    boxes = _min_size_boxes(np.asarray(boxes, np.float64))
    out = np.zeros((num, height, width), bool)

    def axis_weights(start, stop, limit):
        first = max(int(math.ceil(start - 0.5)), 0)
        last = min(int(math.ceil(stop - 0.5)), limit)
        if last <= first:
            return None
        centres = np.arange(first, last) + 0.5
        pos = np.clip((centres - start) / (stop - start) * size - 0.5, 0,
                      size - 1)
        lo = np.minimum(np.floor(pos).astype(np.int64), max(size - 2, 0))
        hi = np.minimum(lo + 1, size - 1)
        frac = (pos - lo).astype(np.float32)
        return first, last, lo, hi, frac

    for i in range(num):
        x1, y1, x2, y2 = boxes[i]
        ys = axis_weights(y1, y2, height)
        xs = axis_weights(x1, x2, width)
        if ys is None or xs is None:
            continue
        r0, r1, ylo, yhi, fy = ys
        c0, c1, xlo, xhi, fx = xs
        prob = probs[i].astype(np.float32, copy=False)
        cols = prob[:, xlo] * (1 - fx) + prob[:, xhi] * fx
        region = (cols[ylo] * (1 - fy)[:, None] +
                  cols[yhi] * fy[:, None])
        out[i, r0:r1, c0:c1] = region >= threshold
    return out


class PCAStatistics:
    """Running sums of flattened crops for a streaming PCA: the count, the
    sum and the sum of outer products (float64), so memory stays
    ``O((S*S)^2)`` whatever the number of masks.

    Args:
        dim (int): Length of each sample (``S * S``).
    """

    def __init__(self, dim):
        self.dim = dim
        self.count = 0
        self.total = np.zeros(dim, np.float64)
        self.outer = np.zeros((dim, dim), np.float64)

    def add(self, samples):
        """Add an ``n x dim`` batch of samples."""
        samples = np.asarray(samples, np.float64).reshape(-1, self.dim)
        self.count += len(samples)
        self.total += samples.sum(0)
        self.outer += samples.T @ samples

    def add_mirror(self, size):
        """Add the left-right mirror of every sample added so far (samples
        being flattened ``size x size`` grids), exactly: the sums are
        permuted, so the covariance commutes with the flip."""
        perm = np.arange(size * size).reshape(size, size)[:, ::-1].reshape(-1)
        self.total = self.total + self.total[perm]
        self.outer = self.outer + self.outer[np.ix_(perm, perm)]
        self.count *= 2

    def solve(self, num_codes):
        """The ``num_codes`` leading components of the accumulated samples.

        Returns:
            dict: ``components`` (``num_codes x dim``), ``mean`` (``dim``),
            ``explained_variance`` and ``explained_variance_ratio``
            (``num_codes``), float32, as scikit-learn's PCA defines them
            (variances with ``n - 1``; each component's sign makes its
            largest-magnitude entry positive).
        """
        if self.count <= num_codes:
            raise ValueError(f'PCA of {num_codes} codes needs more than '
                             f'{num_codes} masks, got {self.count}')
        mean = self.total / self.count
        cov = (self.outer - self.count * np.outer(mean, mean)) / (
            self.count - 1)
        cov = (cov + cov.T) / 2
        values, vectors = (t.numpy() for t in torch.linalg.eigh(
            torch.from_numpy(cov)))
        order = np.argsort(values)[::-1][:num_codes]
        values = np.clip(values[order], 0.0, None)
        components = vectors[:, order].T
        signs = np.sign(components[np.arange(num_codes),
                                   np.abs(components).argmax(1)])
        components *= signs[:, None]
        total_var = max(float(np.trace(cov)), np.finfo(np.float64).tiny)
        return dict(
            components=components.astype(np.float32),
            mean=mean.astype(np.float32),
            explained_variance=values.astype(np.float32),
            explained_variance_ratio=(values / total_var).astype(np.float32))


@TASK_UTILS.register_module()
class PCAMaskCoder(BaseMaskCoder):
    """MEInst's PCA mask encoding.

    ``encode``: crop each mask to its box and resample it to
    ``mask_size x mask_size`` (roi-align average of bilinear samples, see
    :func:`crop_and_resize_masks`), binarise at 0.5 as detectron2's
    ``crop_and_resize`` does, map 1 to ``1 - eps`` and 0 to ``eps`` and take
    the logit (``sigmoid=True``), subtract the mean, project on the
    components and divide by ``sqrt(explained_variance)`` (``whiten=True``).
    ``decode``: the inverse transform, the sigmoid (or a clamp to
    ``[0.01, 0.99]`` without it, as MEInst), :func:`paste_masks` into the
    boxes and the 0.5 threshold.

    MEInst draws ``eps`` per pixel as ``max(0.05 * U(0, 1), 0.01)`` when it
    fits the PCA and builds training targets (noisy targets). With a pair
    ``sigmoid_eps=(low, high)`` this coder does the same while it is in
    training mode (``coder.train()``, as inside a training head) and in
    :meth:`fit`; in eval mode it uses one fixed ``eps`` whose logit is the
    mean logit of that distribution, so evaluation is deterministic. A float
    ``sigmoid_eps`` is always used as is.

    The PCA matrix comes from ``matrix_path`` (MEInst's npz), :meth:`fit` /
    :meth:`fit_from_crops`, or a checkpoint (the buffers ``components``,
    ``mean``, ``explained_variance`` and ``explained_variance_ratio`` are
    persistent). Encoding or decoding before any of these raises a
    ``RuntimeError``.

    Args:
        num_codes (int): Code length ``D``. Defaults to 60.
        mask_size (int): Side ``S`` of the cropped masks. Defaults to 28.
        matrix_path (str | None): MEInst-format ``.npz`` to load. Defaults to
            None.
        whiten (bool): Divide codes by the components' standard deviations.
            Defaults to True.
        sigmoid (bool): Encode logits of clamped targets, decode with the
            sigmoid. Defaults to True.
        sigmoid_eps (float | tuple[float, float]): The clamp of the sigmoid
            trick, see above. Defaults to ``(0.01, 0.05)`` (MEInst's
            ``VALUE_MIN``, ``VALUE_MAX``).
        init_cfg (dict | None): Initialization config. Defaults to None.
    """

    def __init__(self,
                 num_codes=60,
                 mask_size=28,
                 matrix_path=None,
                 whiten=True,
                 sigmoid=True,
                 sigmoid_eps=(0.01, 0.05),
                 init_cfg=None):
        super().__init__(num_codes, init_cfg=init_cfg)
        if not isinstance(mask_size, int) or isinstance(mask_size, bool) \
                or mask_size < 2:
            raise ValueError('PCAMaskCoder: mask_size must be an int >= 2, '
                             f'got {mask_size!r}')
        if num_codes > mask_size**2:
            raise ValueError(f'PCAMaskCoder: num_codes={num_codes} exceeds '
                             f'mask_size**2={mask_size**2}')
        self.mask_size = mask_size
        self.whiten = bool(whiten)
        self.sigmoid = bool(sigmoid)
        if isinstance(sigmoid_eps, (tuple, list)):
            if len(sigmoid_eps) != 2 or not \
                    0 < sigmoid_eps[0] <= sigmoid_eps[1] < 0.5:
                raise ValueError('PCAMaskCoder: sigmoid_eps must be a float '
                                 'or a pair (low, high) with 0 < low <= '
                                 f'high < 0.5, got {sigmoid_eps!r}')
            self.sigmoid_eps = (float(sigmoid_eps[0]), float(sigmoid_eps[1]))
        else:
            if not 0 < float(sigmoid_eps) < 0.5:
                raise ValueError('PCAMaskCoder: sigmoid_eps must be in '
                                 f'(0, 0.5), got {sigmoid_eps!r}')
            self.sigmoid_eps = float(sigmoid_eps)
        dim = mask_size**2
        self.register_buffer('components', torch.zeros(num_codes, dim))
        self.register_buffer('mean', torch.zeros(dim))
        self.register_buffer('explained_variance', torch.zeros(num_codes))
        self.register_buffer('explained_variance_ratio',
                             torch.zeros(num_codes))
        self.matrix_path = matrix_path
        if matrix_path is not None:
            self.load_matrix(matrix_path)

    # the matrix

    @property
    def is_fitted(self):
        """Whether a PCA matrix is loaded (all variances positive)."""
        return bool((self.explained_variance > 0).all())

    def _require_fitted(self, action):
        if not self.is_fitted:
            raise RuntimeError(
                f'PCAMaskCoder cannot {action}: no PCA matrix yet; give '
                'matrix_path (an npz of tools/mask_encoding/fit_pca.py or '
                "MEInst's), call fit()/fit_from_crops(), or load a "
                'checkpoint that carries the coder')

    def set_matrix(self, components, mean, explained_variance,
                   explained_variance_ratio=None):
        """Set the buffers from arrays (``D x S*S``, ``S*S``, ``D``, ``D``)."""
        dim = self.mask_size**2
        arrays = dict(components=components, mean=mean,
                      explained_variance=explained_variance,
                      explained_variance_ratio=explained_variance_ratio)
        if explained_variance_ratio is None:
            arrays['explained_variance_ratio'] = np.zeros(self.num_codes)
        expected = dict(components=(self.num_codes, dim), mean=(dim, ),
                        explained_variance=(self.num_codes, ),
                        explained_variance_ratio=(self.num_codes, ))
        for name, value in arrays.items():
            value = torch.as_tensor(np.asarray(value, np.float32))
            if tuple(value.shape) != expected[name]:
                raise ValueError(f'PCAMaskCoder: {name} must have shape '
                                 f'{expected[name]}, got {tuple(value.shape)}')
            buffer = getattr(self, name)
            buffer.copy_(value.to(buffer.device))

    def load_matrix(self, path):
        """Load MEInst's npz (keys :data:`NPZ_KEYS`, shapes
        ``(1, D, S*S)``, ``(1, S*S)``, ``(1, D)``, ``(1, D)``)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f'PCAMaskCoder: matrix_path {path} does '
                                    'not exist')
        dim = self.mask_size**2
        with np.load(path) as data:
            missing = [k for k in NPZ_KEYS if k not in data.files]
            if missing:
                raise ValueError(f'{path}: missing key(s) {missing}; a PCA '
                                 f'matrix npz has {list(NPZ_KEYS)}, found '
                                 f'{data.files}')
            arrays = {k: data[k] for k in NPZ_KEYS}
        comp = arrays['components_c']
        if comp.ndim != 3 or comp.shape[0] != 1 or comp.shape[2] != dim:
            raise ValueError(
                f'{path}: components_c must have shape (1, D, {dim}) for '
                f'mask_size={self.mask_size}, got {comp.shape}')
        num = comp.shape[1]
        if num != self.num_codes:
            raise ValueError(f'{path}: components_c holds D={num} components '
                             f'but the coder has num_codes={self.num_codes}')
        expected = dict(mean_c=(1, dim), ratio_c=(1, num),
                        explained_variance_c=(1, num))
        for key, shape in expected.items():
            if arrays[key].shape != shape:
                raise ValueError(f'{path}: {key} must have shape {shape}, '
                                 f'got {arrays[key].shape}')
        for key, value in arrays.items():
            if not np.isfinite(value).all():
                raise ValueError(f'{path}: {key} has non-finite values')
        if not (arrays['explained_variance_c'] > 0).all():
            raise ValueError(f'{path}: explained_variance_c must be positive')
        self.set_matrix(comp[0], arrays['mean_c'][0],
                        arrays['explained_variance_c'][0],
                        arrays['ratio_c'][0])

    def save_matrix(self, path):
        """Write the matrix as MEInst's npz (float32, keys
        :data:`NPZ_KEYS`)."""
        self._require_fitted('save a matrix')
        np.savez(
            path,
            components_c=self.components.cpu().numpy()[None],
            mean_c=self.mean.cpu().numpy()[None],
            ratio_c=self.explained_variance_ratio.cpu().numpy()[None],
            explained_variance_c=self.explained_variance.cpu().numpy()[None])

    # the sigmoid trick

    def _fixed_eps(self):
        """The deterministic ``eps``: ``sigmoid_eps`` itself, or for a pair
        the ``eps`` whose logit is the mean logit of MEInst's draws."""
        if isinstance(self.sigmoid_eps, float):
            return self.sigmoid_eps
        if getattr(self, '_eval_eps', None) is None:
            low, high = self.sigmoid_eps
            u = (np.arange(10000) + 0.5) / 10000
            eps = np.maximum(high * u, low)
            mean_logit = np.log((1 - eps) / eps).mean()
            self._eval_eps = float(1 / (1 + np.exp(mean_logit)))
        return self._eval_eps

    def targets(self, crops, noisy=None, generator=None):
        """The vectors MEInst projects: binarised crops (``N x S x S``
        floats in [0, 1]) through the clamped logit, ``N x S*S`` float32.

        Args:
            crops (np.ndarray | Tensor): Crops from
                :func:`crop_and_resize_masks`.
            noisy (bool | None): Draw MEInst's random ``eps`` (only with a
                pair ``sigmoid_eps``). None: in training mode.
            generator (np.random.Generator | None): Source of the noise.
        """
        if isinstance(crops, torch.Tensor):
            crops = crops.detach().cpu().numpy()
        binary = np.asarray(crops, np.float32).reshape(
            len(crops), self.mask_size**2) >= 0.5
        if not self.sigmoid:
            return binary.astype(np.float32)
        if noisy is None:
            noisy = self.training
        if noisy and isinstance(self.sigmoid_eps, tuple):
            low, high = self.sigmoid_eps
            rng = generator if generator is not None else np.random
            eps = np.maximum(high * rng.random(binary.shape), low)
            logit = np.log((1 - eps) / eps).astype(np.float32)
        else:
            eps = self._fixed_eps()
            logit = np.float32(math.log((1 - eps) / eps))
        return np.where(binary, logit, -logit).astype(np.float32)

    # fitting

    def fit_from_crops(self, crops, noisy=True, seed=0, flip_augment=False):
        """Fit the PCA on crops.

        Args:
            crops (np.ndarray | Iterable[np.ndarray]): ``N x S x S`` crops,
                or an iterable of such batches (streamed into running sums:
                memory does not grow with the number of masks).
            noisy (bool): MEInst's random ``eps`` (pair ``sigmoid_eps``).
            seed (int): Seed of that noise.
            flip_augment (bool): Also add every crop mirrored left-right
                (exactly, see :meth:`PCAStatistics.add_mirror`). The
                covariance then commutes with the flip, so encoding and
                decoding commute with horizontal flips (the training
                augmentation); MEInst fits on unflipped masks only.

        Returns:
            PCAMaskCoder: self.
        """
        if isinstance(crops, (np.ndarray, torch.Tensor)):
            crops = [crops]
        stats = PCAStatistics(self.mask_size**2)
        rng = np.random.default_rng(seed)
        for batch in crops:
            if isinstance(batch, torch.Tensor):
                batch = batch.detach().cpu().numpy()
            batch = np.asarray(batch)
            if batch.ndim != 3 or batch.shape[1:] != (self.mask_size, ) * 2:
                raise ValueError(
                    f'crops must be N x {self.mask_size} x {self.mask_size},'
                    f' got shape {batch.shape}')
            stats.add(self.targets(batch, noisy=noisy, generator=rng))
        if flip_augment:
            stats.add_mirror(self.mask_size)
        self.set_statistics(stats)
        return self

    def set_statistics(self, stats):
        """Solve a :class:`PCAStatistics` and set the matrix from it."""
        solved = stats.solve(self.num_codes)
        if not (solved['explained_variance'] > 0).all():
            raise ValueError(
                'PCA gave zero-variance components: the masks span fewer '
                f'than num_codes={self.num_codes} dimensions')
        self.set_matrix(**solved)

    def fit(self, masks, boxes, noisy=True, seed=0, flip_augment=False):
        """Fit the PCA on masks (``N x H x W``) cropped to ``boxes``; see
        :meth:`fit_from_crops` for the other arguments."""
        return self.fit_from_crops(
            crop_and_resize_masks(masks, boxes, self.mask_size), noisy, seed,
            flip_augment)

    # the coder interface

    def encode_crops(self, crops):
        """Codes (``N x D`` float32 tensor on the buffers' device) of
        ``N x S x S`` crops."""
        self._require_fitted('encode')
        x = torch.from_numpy(self.targets(crops)).to(self.mean.device)
        codes = (x - self.mean) @ self.components.T
        if self.whiten:
            codes = codes / self.explained_variance.sqrt()
        return codes

    def decode_crops(self, codes):
        """``N x S x S`` probabilities (tensor) of ``N x D`` codes."""
        self._require_fitted('decode')
        codes = torch.as_tensor(codes, dtype=torch.float32,
                                device=self.mean.device)
        if codes.ndim != 2 or codes.shape[1] != self.num_codes:
            raise ValueError(f'codes must be N x {self.num_codes}, got '
                             f'shape {tuple(codes.shape)}')
        components = self.components
        if self.whiten:
            components = components * self.explained_variance.sqrt()[:, None]
        x = codes @ components + self.mean
        x = x.sigmoid() if self.sigmoid else x.clamp(0.01, 0.99)
        return x.reshape(-1, self.mask_size, self.mask_size)

    def encode(self, masks, boxes):
        """See :meth:`BaseMaskCoder.encode`. Empty masks, masks of one pixel
        and boxes partly or wholly outside the image are encoded as their
        crops are (zeros outside the image); zero-size boxes are grown to
        one pixel."""
        device = boxes.device if isinstance(boxes, torch.Tensor) else 'cpu'
        crops = crop_and_resize_masks(masks, boxes, self.mask_size)
        return self.encode_crops(crops).to(device)

    def decode(self, codes, boxes, img_shape):
        """See :meth:`BaseMaskCoder.decode`. Pixels outside the (clipped)
        boxes are False; zero-size boxes are grown to one pixel."""
        device = codes.device if isinstance(codes, torch.Tensor) else 'cpu'
        probs = self.decode_crops(codes)
        boxes = self.as_numpy_boxes(boxes, len(probs))
        if len(img_shape) < 2 or min(int(s) for s in img_shape[:2]) < 0:
            raise ValueError(f'img_shape must be (H, W), got {img_shape!r}')
        masks = paste_masks(probs.detach().cpu().numpy(), boxes, img_shape)
        return torch.from_numpy(masks).to(device)
