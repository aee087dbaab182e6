"""The polar contour signature shared by the contour coders.

ESE-Seg (Xu et al., "Explicit Shape Encoding for Real-Time Instance
Segmentation", ICCV 2019, https://arxiv.org/abs/1908.09997) describes an
object by the radius of its outline seen from a centre inside it, sampled on
``num_rays`` rays, and fits a short function basis (Chebyshev polynomials,
or a Fourier series in the paper's comparison) to that signature.

Conventions (shared by encoding and decoding, so nothing rotates between
the two):

* Coordinates are continuous image coordinates in COCO's convention: pixel
  ``(row, col)`` covers ``[col, col + 1) x [row, row + 1)``, so its centre
  is ``(col + 0.5, row + 0.5)``; ``x`` grows to the right, ``y`` downwards.
* Angles are ``theta = atan2(dy, dx)``, counted from ``+x`` towards ``+y``
  (clockwise on screen). Ray ``k`` points at ``theta_k = -pi / 2 + (k +
  1 / 2) * 2 * pi / num_rays``: the rays start half a step clockwise from
  straight up and go round clockwise (right, down, left). A horizontal
  flip maps ``theta`` to ``pi - theta``, which maps ray ``k`` exactly to
  ray ``num_rays - 1 - k``; with the Chebyshev variable ``t = (theta - pi
  / 2) / pi`` in ``(-1, 1)`` it is ``t -> -t``, so a flip negates the odd
  Chebyshev coefficients (the series' seam at ``t = +-1`` is straight
  up, which a horizontal flip keeps in place).
* The outline is the union of the mask's outer contours
  (``cv2.findContours`` with ``RETR_EXTERNAL``, through the centres of the
  boundary pixels; holes are ignored) taken as closed polygons. Each ray
  keeps its outermost crossing with them, computed exactly on the polygon
  segments (so small objects have no gaps between rays). A ray without any
  crossing gets radius 0: the centre is always a mask pixel, so such a ray
  leaves the mask at once (the centre lies on the outline on that side).
  This also makes an empty mask all zeros.
* Radii are divided by the box diagonal ``sqrt(w ** 2 + h ** 2)`` (at
  least 1 pixel, so a zero-size box is defined).
* Centre: the box centre when it lies well inside the mask, i.e. the
  distance transform at the box centre's pixel is at least
  ``inner_ratio`` times the largest distance in the mask; otherwise the
  mask pixel farthest from the outline (ties broken towards the box
  centre, so a flipped mask gets the flipped centre). An empty mask keeps
  the box centre.

The mask is read only inside its box (rounded outwards, clipped to the
image; a zero-size box reads one pixel): pixels outside the box are
ignored, which also makes a box outside the image an empty mask. Where the
reference implementation indexed a shifted pixel list in its centre search,
filled empty rays with an angle index, decoded one degree rotated and left
the coefficients unflipped under horizontal flips, this module computes one
signature from the (augmented) mask itself on one fixed angle grid.
"""
import cv2
import numpy as np
import torch

from .base_mask_coder import BaseMaskCoder, masks_array


def ray_angles(num_rays):
    """``theta_k = -pi / 2 + (k + 1 / 2) * 2 * pi / num_rays`` for ``k <
    num_rays``."""
    return -np.pi / 2 + (2 * np.arange(num_rays) + 1) * np.pi / num_rays


def check_num_rays(num_rays, owner):
    if not isinstance(num_rays, int) or isinstance(num_rays, bool) or \
            num_rays < 4:
        raise ValueError(f'{owner}: num_rays must be an int >= 4, got '
                         f'{num_rays!r}')


def _crop_window(box, height, width):
    """Integer window ``(x0, y0, x1, y1)`` of pixels a box covers, rounded
    outwards, at least one pixel wide, clipped to the image."""
    x0, y0 = int(np.floor(box[0])), int(np.floor(box[1]))
    x1 = max(int(np.ceil(box[2])), x0 + 1)
    y1 = max(int(np.ceil(box[3])), y0 + 1)
    return (min(max(x0, 0), width), min(max(y0, 0), height),
            min(max(x1, 0), width), min(max(y1, 0), height))


def find_center(crop, box_center, inner_ratio):
    """Centre of a mask crop, in the crop's continuous coordinates.

    Args:
        crop (np.ndarray): ``h x w`` uint8 mask (0/1) with a pixel set.
        box_center (tuple[float, float]): Box centre ``(x, y)`` in the
            crop's continuous coordinates.
        inner_ratio (float): The box centre is kept when its distance to
            the outline is at least this fraction of the largest one.

    Returns:
        tuple[float, float]: ``(x, y)``.
    """
    height, width = crop.shape
    padded = cv2.copyMakeBorder(crop, 1, 1, 1, 1, cv2.BORDER_CONSTANT, 0)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]
    bx, by = box_center
    # the pixels the box centre touches (two or four on pixel edges, so
    # that a flipped mask decides alike)
    cols = np.clip([int(np.ceil(bx)) - 1, int(np.floor(bx))], 0, width - 1)
    rows = np.clip([int(np.ceil(by)) - 1, int(np.floor(by))], 0, height - 1)
    at_center = float(dist[rows[:, None], cols].min())
    best = float(dist.max())
    if at_center > 0 and at_center >= inner_ratio * best:
        return float(bx), float(by)
    rows, cols = np.nonzero(dist >= best - 1e-4)
    near = np.argmin((cols + 0.5 - bx)**2 + (rows + 0.5 - by)**2)
    return float(cols[near]) + 0.5, float(rows[near]) + 0.5


def _outermost_crossings(points, owners, starts, ends, num_rays,
                         num_masks):
    """Outermost crossing radius of each ray with closed polygons.

    Args:
        points (np.ndarray): ``P x 2`` vertices relative to their mask's
            centre, the polygons of all masks one after another.
        owners (np.ndarray): ``P`` mask index of each vertex.
        starts (np.ndarray): Index of the first vertex of each polygon.
        ends (np.ndarray): Index of the last vertex of each polygon.
        num_rays (int): Rays per mask.
        num_masks (int): Number of masks.

    Returns:
        np.ndarray: ``num_masks x num_rays`` radii, 0 where no segment
        crosses a ray.
    """
    radii = np.zeros(num_masks * num_rays)
    if len(points) == 0:
        return radii.reshape(num_masks, num_rays)
    nxt = np.empty_like(points)
    nxt[:-1] = points[1:]
    # the closing segment of each polygon goes back to its first vertex
    nxt[ends] = points[starts]
    step = 2 * np.pi / num_rays
    ang = np.arctan2(points[:, 1], points[:, 0])
    delta = np.arctan2(nxt[:, 1], nxt[:, 0]) - ang
    delta = (delta + np.pi) % (2 * np.pi) - np.pi
    first_ray = -np.pi / 2 + step / 2
    u = (ang - first_ray) / step
    v = u + delta / step
    lo = np.ceil(np.minimum(u, v) - 1e-9).astype(np.int64)
    hi = np.floor(np.maximum(u, v) + 1e-9).astype(np.int64)
    count = np.maximum(hi - lo + 1, 0)
    total = int(count.sum())
    if total == 0:
        return radii.reshape(num_masks, num_rays)
    seg = np.repeat(np.arange(len(points)), count)
    first = np.cumsum(count) - count
    k = lo[seg] + np.arange(total) - first[seg]
    theta = first_ray + k * step
    cos, sin = np.cos(theta), np.sin(theta)
    p = points[seg]
    d = nxt[seg] - p
    num = p[:, 0] * d[:, 1] - p[:, 1] * d[:, 0]
    den = cos * d[:, 1] - sin * d[:, 0]
    radial = np.abs(den) < 1e-9
    r = num / np.where(radial, 1.0, den)
    # a segment along the ray (or a one-point polygon): its far end
    far = np.maximum(np.hypot(p[:, 0], p[:, 1]),
                     np.hypot(p[:, 0] + d[:, 0], p[:, 1] + d[:, 1]))
    r = np.maximum(np.where(radial, far, r), 0.0)
    np.maximum.at(radii, owners[seg] * num_rays + k % num_rays, r)
    return radii.reshape(num_masks, num_rays)


def box_diagonals(boxes):
    """Box diagonals ``sqrt(w ** 2 + h ** 2)``, at least 1 pixel."""
    return np.maximum(np.hypot(boxes[:, 2] - boxes[:, 0],
                               boxes[:, 3] - boxes[:, 1]), 1.0)


def polar_signature(masks, boxes, num_rays=360, inner_ratio=0.25):
    """Centres and normalised ray radii of instance masks.

    Args:
        masks (np.ndarray): ``N x H x W`` masks (nonzero = inside).
        boxes (np.ndarray): ``N x 4`` float boxes ``(x1, y1, x2, y2)``.
        num_rays (int): Rays per mask. Defaults to 360.
        inner_ratio (float): See :func:`find_center`. Defaults to 0.25.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``N x num_rays`` radii divided by
        the box diagonals, and ``N x 2`` centres ``(x, y)`` in image
        coordinates.
    """
    num, height, width = masks.shape
    centers = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2,
                        (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)
    pieces, owners, lengths = [], [], []
    for i in range(num):
        x0, y0, x1, y1 = _crop_window(boxes[i], height, width)
        if x1 <= x0 or y1 <= y0:
            continue
        crop = masks[i, y0:y1, x0:x1]
        crop = (crop != 0).view(np.uint8) if crop.dtype != np.uint8 \
            else np.minimum(crop, 1)
        contours = cv2.findContours(crop, cv2.RETR_EXTERNAL,
                                    cv2.CHAIN_APPROX_SIMPLE)[-2]
        if not contours:
            continue
        cx, cy = find_center(crop, (centers[i, 0] - x0, centers[i, 1] - y0),
                             inner_ratio)
        centers[i] = cx + x0, cy + y0
        offset = np.array([0.5 - cx, 0.5 - cy])
        for contour in contours:
            pieces.append(contour.reshape(-1, 2) + offset)
            lengths.append(len(contour))
            owners.append(i)
    if not pieces:
        return np.zeros((num, num_rays)), centers
    lengths = np.asarray(lengths)
    ends = np.cumsum(lengths) - 1
    starts = ends - lengths + 1
    radii = _outermost_crossings(
        np.concatenate(pieces), np.repeat(np.asarray(owners), lengths),
        starts, ends, num_rays, num)
    return radii / box_diagonals(boxes)[:, None], centers


def signature_polygons(radii, boxes, centers):
    """Polygons of normalised ray radii: ``N x num_rays x 2`` vertices
    ``(x, y)`` in image coordinates (negative radii count as 0)."""
    num_rays = radii.shape[1]
    theta = ray_angles(num_rays)
    scale = np.maximum(radii, 0) * box_diagonals(boxes)[:, None]
    return np.stack([centers[:, :1] + scale * np.cos(theta),
                     centers[:, 1:] + scale * np.sin(theta)], axis=2)


def rasterize_polygons(polygons, img_shape, empty=None):
    """Fill one polygon per mask into ``N x H x W`` bool masks.

    Args:
        polygons (np.ndarray): ``N x V x 2`` vertices in image coordinates
            (COCO convention).
        img_shape (tuple[int, int]): ``(H, W)``.
        empty (np.ndarray | None): ``N`` bool, masks to leave empty.

    Returns:
        np.ndarray: ``N x H x W`` bool.
    """
    height, width = int(img_shape[0]), int(img_shape[1])
    out = np.zeros((len(polygons), height, width), np.uint8)
    # pixel indices are coordinates - 0.5; 4 fractional bits for fillPoly
    fixed = np.round((polygons - 0.5) * 16)
    fixed = np.clip(fixed, -2**26, 2**26).astype(np.int32)
    for i in range(len(polygons)):
        if empty is None or not empty[i]:
            cv2.fillPoly(out[i], [fixed[i]], 1, lineType=cv2.LINE_8,
                         shift=4)
    return out.view(bool)


def _as_array(value, name, shape):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    value = np.asarray(value, dtype=np.float64)
    if value.shape != shape:
        raise ValueError(f'{name} must have shape {shape}, got '
                         f'{value.shape}')
    if not np.isfinite(value).all():
        raise ValueError(f'{name} must be finite')
    return value


class PolarContourCoder(BaseMaskCoder):
    """A mask coder that fits a linear basis to the polar signature.

    Subclasses give ``basis()``: the ``num_rays x num_codes`` values of the
    basis functions on the rays. Encoding is the least-squares fit (a
    pseudo-inverse computed once), decoding evaluates the basis, builds the
    ``num_rays``-vertex polygon around the centre and fills it.

    The first two code numbers are not the centre: the centre comes
    separately from :meth:`encode_with_centers` and goes back into
    :meth:`decode` (ESE-Seg's head predicts it with its own branch).
    :meth:`encode` finds the centre but drops it, and :meth:`decode`
    without centres uses the box centres, which is the same centre whenever
    the box centre lies well inside the mask.

    Args:
        num_codes (int): Code length.
        num_rays (int): Rays of the signature. Defaults to 360.
        inner_ratio (float): The box centre is the centre when its distance
            to the outline is at least this fraction of the largest
            distance inside the mask. Defaults to 0.25.
        init_cfg (dict | None): Initialization config. Defaults to None.
    """

    def __init__(self, num_codes, num_rays=360, inner_ratio=0.25,
                 init_cfg=None):
        super().__init__(num_codes, init_cfg=init_cfg)
        check_num_rays(num_rays, type(self).__name__)
        if num_codes > num_rays:
            raise ValueError(f'{type(self).__name__}: num_codes '
                             f'({num_codes}) must not exceed num_rays '
                             f'({num_rays})')
        if not 0 <= inner_ratio <= 1:
            raise ValueError(f'{type(self).__name__}: inner_ratio must be '
                             f'in [0, 1], got {inner_ratio!r}')
        self.num_rays = num_rays
        self.inner_ratio = float(inner_ratio)
        self._basis = self.basis()
        # singular values below 1e-8 of the largest are dropped: high Chebyshev
        # degrees on uniform angles are ill-conditioned
        self._fit = np.linalg.pinv(self._basis, rtol=1e-8)

    def basis(self):
        """``num_rays x num_codes`` basis values at :func:`ray_angles`."""
        raise NotImplementedError

    def extra_repr(self):
        return (f'num_codes={self.num_codes}, num_rays={self.num_rays}, '
                f'inner_ratio={self.inner_ratio}')

    def signature(self, masks, boxes):
        """Normalised ray radii ``N x num_rays`` and centres ``N x 2``
        (numpy float64) of masks; see :mod:`polar_contour`."""
        masks = masks_array(masks)
        boxes = self.as_numpy_boxes(boxes, len(masks))
        return polar_signature(masks, boxes, self.num_rays,
                               self.inner_ratio)

    def encode_with_centers(self, masks, boxes):
        """Codes and centres of instance masks.

        Args:
            masks (Tensor | np.ndarray | BitmapMasks | PolygonMasks):
                ``N x H x W`` binary masks.
            boxes (Tensor | np.ndarray): ``N x 4`` boxes ``(x1, y1, x2,
                y2)``.

        Returns:
            tuple[Tensor, Tensor]: ``N x num_codes`` float32 codes and
            ``N x 2`` float32 centres ``(x, y)`` in image coordinates, on
            the device of ``boxes`` (CPU for numpy boxes).
        """
        radii, centers = self.signature(masks, boxes)
        codes = radii @ self._fit.T
        device = boxes.device if isinstance(boxes, torch.Tensor) else 'cpu'
        return (torch.from_numpy(codes).float().to(device),
                torch.from_numpy(centers).float().to(device))

    def encode(self, masks, boxes):
        """Codes of instance masks (see :meth:`encode_with_centers`)."""
        return self.encode_with_centers(masks, boxes)[0]

    def _decode_inputs(self, codes, boxes, centers):
        device = codes.device if isinstance(codes, torch.Tensor) else 'cpu'
        codes = np.asarray(
            codes.detach().cpu().numpy() if isinstance(codes, torch.Tensor)
            else codes, dtype=np.float64)
        if codes.ndim != 2 or codes.shape[1] != self.num_codes:
            raise ValueError(f'codes must be N x {self.num_codes}, got shape '
                             f'{codes.shape}')
        if not np.isfinite(codes).all():
            raise ValueError('codes must be finite')
        boxes = self.as_numpy_boxes(boxes, len(codes))
        if centers is None:
            centers = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2,
                                (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)
        else:
            centers = _as_array(centers, 'centers', (len(codes), 2))
        return codes @ self._basis.T, boxes, centers, device

    def decode_polygons(self, codes, boxes, centers=None):
        """Polygons of codes (ESE-Seg's output before rasterizing).

        Args:
            codes (Tensor | np.ndarray): ``N x num_codes``.
            boxes (Tensor | np.ndarray): ``N x 4`` boxes, whose diagonals
                scale the radii.
            centers (Tensor | np.ndarray | None): ``N x 2`` centres; None
                uses the box centres.

        Returns:
            Tensor: ``N x num_rays x 2`` float32 vertices ``(x, y)`` in
            image coordinates (COCO convention), on the device of
            ``codes``.
        """
        radii, boxes, centers, device = self._decode_inputs(
            codes, boxes, centers)
        polygons = signature_polygons(radii, boxes, centers)
        return torch.from_numpy(polygons).float().to(device)

    def decode(self, codes, boxes, img_shape, centers=None):
        """Masks of codes: the polygon of :meth:`decode_polygons` filled.

        A code whose radii are all <= 0 (an empty mask's, or a one-pixel
        mask's: its outline is a point) decodes to an empty mask.

        Args:
            codes (Tensor | np.ndarray): ``N x num_codes``.
            boxes (Tensor | np.ndarray): ``N x 4`` boxes.
            img_shape (tuple[int, int]): ``(H, W)`` of the masks.
            centers (Tensor | np.ndarray | None): ``N x 2`` centres; None
                uses the box centres.

        Returns:
            Tensor: ``N x H x W`` bool masks on the device of ``codes``.
        """
        if len(img_shape) < 2 or int(img_shape[0]) < 0 or \
                int(img_shape[1]) < 0:
            raise ValueError(f'img_shape must be (H, W), got {img_shape!r}')
        radii, boxes, centers, device = self._decode_inputs(
            codes, boxes, centers)
        polygons = signature_polygons(radii, boxes, centers)
        masks = rasterize_polygons(polygons, img_shape[:2],
                                   empty=(radii <= 0).all(axis=1))
        return torch.from_numpy(masks).to(device)
