"""Trains xtap's event-file encoder: a permutation-invariant DeepSets network over per-event features that
outputs a 16-d embedding, variability-kind probabilities and an anomaly score (probability of non-steady
behaviour), and exports it to ONNX with a dynamic event axis.

One command, from the repository root:  /usr/bin/python3 models/event-encoder/train.py
Needs Debian's python3-torch, python3-numpy, python3-onnx; no PyPI. Writes model.onnx, card.json, CARD.md and
fixtures/encoder-fixture.json (checked by the TypeScript tests) beside this file.

Contracts reproduced here (ml/representations/README.md):
- per-event features v1: ml/representations/reference.py `event_features` (imported), plus the documented even
  subsampling to MAX_EVENTS rows;
- event simulation: a line-by-line port of simulate.ts/prng.ts (mulberry32 stream, draw order, thinning,
  absorbed power-law CDF); the TypeScript test compares its output with simulateEvents on the fixture seeds.
"""

import bisect
import datetime
import hashlib
import json
import math
import os
import platform
import sys
import time as clock

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'ml', 'representations'))
import reference  # noqa: E402  (numpy reference of the representations)
sys.path.insert(0, HERE)
from observed_sim import (COUNTS_MAX, COUNTS_MIN, FRAME_PROBS, FRAME_TIMES, good_time_clock,  # noqa: E402
                          simulate_observation)

VERSION = '2.0.0'
SEED = 20250515
MAX_EVENTS = 2048          # feature rows fed to the encoder (eventFeatures(list, MAX_EVENTS))
EMBED_DIM = 16
HIDDEN = 64
KINDS = ['steady', 'flare', 'dip', 'periodic']
N_TRAIN_PER_KIND = 900
N_VAL_PER_KIND = 600
N_TEST_PER_KIND = 1000
TRAIN_SEED0, VAL_SEED0, TEST_SEED0 = 1_000_000, 2_000_000, 3_000_000
# Published anomaly threshold: this quantile of the steady validation lists' scores. The target is a steady
# false-positive rate <= 5 %; 0.97 leaves room for the sampling error of 600 validation and 1000 test lists
# (standard errors ~0.7 and ~0.5 points). Fixed before any test figure was computed.
THRESHOLD_QUANTILE = 0.97
BOOTSTRAP = 1000           # resamples for the AUC confidence intervals
LC_BINS = 64               # in-graph light curve of the encoder (bins of tau)
LC_CHANNELS = 16
EPOCHS = 12
BATCH = 48
LR = 2e-3
CONSISTENCY_WEIGHT = 0.5
LOGN_SCALE = math.log10(MAX_EVENTS)
MIN_DOMAIN_EVENTS = 10
OBSERVED_FIXTURE_SEEDS = [9_000_002, 9_000_005, 9_000_008]  # outside every split
SAMPLE_FILES = ['stingray_chandra_test.fits', 'stingray_chandra_noener_test.fits', 'astropy_chandra_time.fits']
ACIS_EV_PER_PI = 14.6


# ---------------------------------------------------------------------------------------------------------------
# Simulation: port of ml/representations/simulate.ts and prng.ts (README "Event simulation").

class Rng:
    """mulberry32, bit-identical to prng.ts."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def uint32(self):
        self.state = (self.state + 0x6D2B79F5) & 0xFFFFFFFF
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return (t ^ (t >> 14)) & 0xFFFFFFFF

    def next(self):
        return self.uint32() / 4294967296.0

    def uniform(self, a, b):
        return a + (b - a) * self.next()

    def log_uniform(self, a, b):
        return math.exp(math.log(a) + (math.log(b) - math.log(a)) * self.next())


def rate_at(p, t):
    r0, v = p['baseRate'], p['variability']
    k = v['kind']
    if k == 'steady':
        return r0
    if k == 'flare':
        shape = math.exp(-(v['peakTime'] - t) / v['riseTime']) if t < v['peakTime'] else math.exp(-(t - v['peakTime']) / v['decayTime'])
        return r0 * (1 + v['amplitude'] * shape)
    if k == 'dip':
        x = abs(t - v['centerTime']) - v['width'] / 2
        g = 1.0 if x <= 0 else (0.0 if x >= v['ingress'] else 1 - x / v['ingress'])
        return r0 * (1 - v['depth'] * g)
    return r0 * (1 + v['pulsedFraction'] * math.sin((2 * math.pi * t) / v['period'] + v['phase']))


def max_rate(p):
    v = p['variability']
    if v['kind'] == 'flare':
        return p['baseRate'] * (1 + v['amplitude'])
    if v['kind'] == 'periodic':
        return p['baseRate'] * (1 + v['pulsedFraction'])
    return p['baseRate']


def dip_area(d, T):
    xs = [d['centerTime'] - d['width'] / 2 - d['ingress'], d['centerTime'] - d['width'] / 2,
          d['centerTime'] + d['width'] / 2, d['centerTime'] + d['width'] / 2 + d['ingress']]
    ys = [0, 1, 1, 0]
    area = 0.0
    for k in range(3):
        x0, x1 = max(xs[k], 0), min(xs[k + 1], T)
        if x1 <= x0:
            continue
        span = xs[k + 1] - xs[k]

        def at(x):
            return ys[k] + ((ys[k + 1] - ys[k]) * (x - xs[k])) / span if span > 0 else ys[k]
        area += ((at(x0) + at(x1)) / 2) * (x1 - x0)
    return area


def expected_count(p):
    T, r0, f = p['duration'], p['baseRate'], p['variability']
    k = f['kind']
    if k == 'steady':
        return r0 * T
    if k == 'flare':
        tp = min(max(f['peakTime'], 0), T)
        rise = 0 if f['peakTime'] <= 0 else f['riseTime'] * (math.exp(-(f['peakTime'] - tp) / f['riseTime']) - math.exp(-f['peakTime'] / f['riseTime']))
        decay = 0 if f['peakTime'] >= T else f['decayTime'] * (math.exp(-(tp - f['peakTime']) / f['decayTime']) - math.exp(-(T - f['peakTime']) / f['decayTime']))
        return r0 * (T + f['amplitude'] * (rise + decay))
    if k == 'dip':
        return r0 * (T - f['depth'] * dip_area(f, T))
    w = (2 * math.pi) / f['period']
    return r0 * (T + (f['pulsedFraction'] / w) * (math.cos(f['phase']) - math.cos(w * T + f['phase'])))


def spectrum_table(s, k=1024):
    ratio = s['eMaxKeV'] / s['eMinKeV']
    energy = [s['eMinKeV'] * math.pow(ratio, i / (k - 1)) for i in range(k)]
    pdf = [math.pow(e, -s['photonIndex']) * math.exp(-2.4 * s['nH22'] * math.pow(e, -8 / 3)) for e in energy]
    cdf = [0.0] * k
    for i in range(1, k):
        cdf[i] = cdf[i - 1] + ((pdf[i] + pdf[i - 1]) / 2) * (energy[i] - energy[i - 1])
    return energy, cdf


def sample_energy_kev(table, u):
    energy, cdf = table
    k = len(cdf)
    target = u * cdf[k - 1]
    lo = min(max(bisect.bisect_right(cdf, target) - 1, 0), k - 2)
    width = cdf[lo + 1] - cdf[lo]
    frac = (target - cdf[lo]) / width if width > 0 else 0
    return energy[lo] + frac * (energy[lo + 1] - energy[lo])


def random_simulation_params(seed, kind=None, tstart=0.0):
    rng = Rng(seed)
    k = kind if kind is not None else KINDS[int(math.floor(rng.next() * 4))]
    duration = rng.log_uniform(1e3, 1.5e5)
    target = rng.log_uniform(20, 5000)
    photon_index = rng.uniform(1, 2.5)
    nh22 = rng.log_uniform(0.01, 1)
    if k == 'steady':
        v = {'kind': 'steady'}
    elif k == 'flare':
        peak = duration * rng.uniform(0.1, 0.8)
        amp = rng.log_uniform(3, 50)
        rise = duration * rng.log_uniform(0.002, 0.02)
        decay = duration * rng.log_uniform(0.01, 0.15)
        v = {'kind': 'flare', 'peakTime': peak, 'amplitude': amp, 'riseTime': rise, 'decayTime': decay}
    elif k == 'dip':
        center = duration * rng.uniform(0.2, 0.8)
        width = duration * rng.uniform(0.05, 0.2)
        ingress = width * rng.uniform(0.05, 0.3)
        depth = rng.uniform(0.5, 1)
        v = {'kind': 'dip', 'centerTime': center, 'width': width, 'ingress': ingress, 'depth': depth}
    else:
        cycles = rng.uniform(5, 50)
        pf = rng.uniform(0.3, 0.9)
        phase = rng.uniform(0, 2 * math.pi)
        v = {'kind': 'periodic', 'period': duration / cycles, 'pulsedFraction': pf, 'phase': phase}
    p = {'seed': rng.uint32(), 'tstart': tstart, 'duration': duration, 'baseRate': 1.0,
         'spectrum': {'photonIndex': photon_index, 'nH22': nh22, 'eMinKeV': 0.3, 'eMaxKeV': 10.0}, 'variability': v}
    p['baseRate'] = target / expected_count(p)
    return p


def simulate_events(p):
    rng = Rng(p['seed'])
    table = spectrum_table(p['spectrum'])
    lam = max_rate(p)
    times, energies = [], []
    if lam > 0:
        t = 0.0
        duration = p['duration']
        while True:
            t += -math.log(1 - rng.next()) / lam
            if t >= duration:
                break
            if not (rng.next() * lam < rate_at(p, t)):
                continue
            times.append(p['tstart'] + t)
            energies.append(sample_energy_kev(table, rng.next()) * 1000)
    return np.array(times, dtype=np.float64), np.array(energies, dtype=np.float32)


# ---------------------------------------------------------------------------------------------------------------
# Features: reference.event_features + the documented subsampling (README "Per-event features").

def features(time, energy_ev, max_events=MAX_EVENTS, gti=None):
    # Good-time clock first (GTI gaps removed, encode.ts does the same), then canonical order (time, then energy):
    # eventFeatures keeps ties in input order, and the gap of tied events depends on that order; sorting makes
    # the encoder input a function of the event set.
    time = good_time_clock(time, gti)
    energy_ev = np.asarray(energy_ev, dtype=np.float32)
    order = np.lexsort((energy_ev, time))
    f = reference.event_features(time[order], energy_ev[order])
    n = f.shape[0]
    if n > max_events:
        f = f[(np.arange(max_events) * n) // max_events]
    return np.ascontiguousarray(f, dtype=np.float32)


def read_event_file(path):
    """time and energy (eV; PI x 14.6 without an energy column) of the EVENTS HDU of a Chandra event list."""
    raw = open(path, 'rb').read()
    pos = 0
    widths = {'L': 1, 'X': None, 'B': 1, 'I': 2, 'J': 4, 'K': 8, 'A': 1, 'E': 4, 'D': 8}
    dtypes = {'I': '>i2', 'J': '>i4', 'K': '>i8', 'E': '>f4', 'D': '>f8', 'B': 'u1'}
    while pos < len(raw):
        cards = {}
        while True:
            card = raw[pos:pos + 80].decode('ascii')
            pos += 80
            if card.startswith('END') and card[3:].strip() == '':
                break
            if card[8:10] == '= ':
                cards[card[:8].strip()] = card[10:].split('/')[0].strip().strip("'").strip()
        pos = (pos + 2879) // 2880 * 2880
        naxis = int(cards.get('NAXIS', 0))
        size = 0
        if naxis:
            size = 1
            for i in range(1, naxis + 1):
                size *= int(cards[f'NAXIS{i}'])
            size += int(cards.get('PCOUNT', 0))
        if cards.get('EXTNAME') == 'EVENTS':
            names, formats, offsets, offset = [], [], [], 0
            for n in range(1, int(cards['TFIELDS']) + 1):
                tform = cards[f'TFORM{n}']
                rep = int(tform[:-1] or 1)
                code = tform[-1]
                w = (rep + 7) // 8 if code == 'X' else rep * widths[code]
                if rep == 1 and code in dtypes:
                    names.append(cards[f'TTYPE{n}'].lower())
                    formats.append(dtypes[code])
                    offsets.append(offset)
                offset += w
            dtype = np.dtype({'names': names, 'formats': formats, 'offsets': offsets, 'itemsize': int(cards['NAXIS1'])})
            rows = np.frombuffer(raw, dtype=dtype, count=int(cards['NAXIS2']), offset=pos)
            t = rows['time'].astype(np.float64)
            if 'energy' in names:
                e = rows['energy'].astype(np.float64)
            else:
                e = rows['pi'].astype(np.float64) * ACIS_EV_PER_PI
            return t, e.astype(np.float32)
        pos += (size + 2879) // 2880 * 2880
    raise ValueError(f'{path}: no EVENTS HDU')


# ---------------------------------------------------------------------------------------------------------------
# Model.

class DeepSets(nn.Module):
    """phi per event -> masked mean and max; a light curve of the set (LC_BINS bins of tau, Poisson z-scores) ->
    two 1-D convolutions -> max and mean over bins; rho on [LayerNorm(mean), LayerNorm(max), light-curve features,
    log10 N / log10 MAX_EVENTS] -> embedding -> kind logits. Pooling and histogram are symmetric functions of the
    set (DeepSets, Zaheer et al. 2017)."""

    def __init__(self):
        super().__init__()
        # Fixed input scaling: centre the [0, 1] features and stretch log_gap, whose informative range is narrow
        # (a gap of 0.1 / 1 / 3 mean gaps is 0.6 / 0.8 / 0.895); without it mean pooling learns nothing.
        self.register_buffer('in_scale', torch.tensor([2.0, 2.0, 10.0]))
        edges = torch.arange(LC_BINS + 1, dtype=torch.float32) / LC_BINS
        edges[-1] = 2.0  # tau = 1 belongs to the last bin
        self.register_buffer('lc_lo', edges[:-1].clone())
        self.register_buffer('lc_hi', edges[1:].clone())
        self.phi = nn.Sequential(nn.Linear(3, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                                 nn.Linear(HIDDEN, HIDDEN), nn.ReLU())
        self.norm = nn.LayerNorm(HIDDEN)
        self.norm_max = nn.LayerNorm(HIDDEN)
        self.lc_conv = nn.Sequential(nn.Conv1d(1, LC_CHANNELS, 5, padding=2), nn.ReLU(),
                                     nn.Conv1d(LC_CHANNELS, LC_CHANNELS, 5, padding=4, dilation=2), nn.ReLU())
        self.rho = nn.Sequential(nn.Linear(2 * HIDDEN + 2 * LC_CHANNELS + 1, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, EMBED_DIM))
        self.head = nn.Linear(EMBED_DIM, len(KINDS))

    def event_phi(self, x):
        return self.phi((x - 0.5) * self.in_scale)

    def light_curve(self, tau, weight, n):
        """tau [B, N], weight [B, N] (mask or ones), n [B, 1] -> [B, 2 * LC_CHANNELS]."""
        t = tau.unsqueeze(-1)
        counts = (((t >= self.lc_lo) & (t < self.lc_hi)).float() * weight.unsqueeze(-1)).sum(dim=1)
        expected = n / LC_BINS
        z = (counts - expected) / torch.sqrt(expected + 1.0)
        h = self.lc_conv(z.unsqueeze(1))
        return torch.cat([h.max(dim=2).values, h.mean(dim=2)], dim=1)

    def set_rho(self, pooled, pooled_max, lc, n):
        logn = torch.log10(n) / LOGN_SCALE
        return self.rho(torch.cat([self.norm(pooled), self.norm_max(pooled_max), lc, logn], dim=1))

    def encode(self, x, mask):
        h = self.event_phi(x) * mask.unsqueeze(-1)
        n = mask.sum(dim=1, keepdim=True).clamp(min=1)
        # phi ends in a ReLU (>= 0), so the zeroed padding rows never win the max.
        return self.set_rho(h.sum(dim=1) / n, h.max(dim=1).values, self.light_curve(x[:, :, 0], mask, n), n)

    def forward(self, x, mask):
        emb = self.encode(x, mask)
        return emb, self.head(emb)


class OnnxEncoder(nn.Module):
    """Export wrapper: events [1, N, 3] -> embedding [1, 16], anomaly_score [1], kind_probabilities [1, 4]."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, events):
        h = self.net.event_phi(events)
        ones = torch.ones_like(events[:, :, 0])
        n = ones.sum(dim=1, keepdim=True)  # [1, 1] = N without shape arithmetic
        emb = self.net.set_rho(h.mean(dim=1), h.max(dim=1).values, self.net.light_curve(events[:, :, 0], ones, n), n)
        probs = torch.softmax(self.net.head(emb), dim=1)
        return emb, 1.0 - probs[:, 0], probs


def pad_batch(feats):
    n = max(1, max(f.shape[0] for f in feats))
    x = np.zeros((len(feats), n, 3), dtype=np.float32)
    m = np.zeros((len(feats), n), dtype=np.float32)
    for i, f in enumerate(feats):
        x[i, :f.shape[0]] = f
        m[i, :f.shape[0]] = 1
    return torch.from_numpy(x), torch.from_numpy(m)


def thin(time, energy, rng, lo=0.5):
    """A random thinning (keep each event with probability q ~ U(lo, 1)): same light-curve shape, fewer counts."""
    q = rng.uniform(lo, 1.0)
    keep = rng.random(time.size) < q
    if keep.sum() < 3:
        return time, energy
    return time[keep], energy[keep]


def auc(pos, neg):
    """ROC AUC = P(score_pos > score_neg) + 0.5 P(tie), via ranks (Mann-Whitney U)."""
    pos, neg = np.asarray(pos, dtype=np.float64), np.asarray(neg, dtype=np.float64)
    if pos.size == 0 or neg.size == 0:
        return None
    allv = np.concatenate([pos, neg])
    order = np.argsort(allv, kind='mergesort')
    ranks = np.empty(allv.size)
    sorted_v = allv[order]
    i = 0
    while i < allv.size:
        j = i
        while j + 1 < allv.size and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[:pos.size].sum() - pos.size * (pos.size + 1) / 2
    return float(u / (pos.size * neg.size))


def fast_auc(pos, neg_sorted):
    """The same AUC as auc(), from sorted negatives (ties count one half)."""
    left = np.searchsorted(neg_sorted, pos, 'left')
    right = np.searchsorted(neg_sorted, pos, 'right')
    return float((left + 0.5 * (right - left)).sum() / (pos.size * neg_sorted.size))


def bootstrap_auc_ci(pos, neg, seed, n_boot=BOOTSTRAP):
    """95 % percentile interval of the AUC, resampling positives and negatives separately."""
    rng = np.random.default_rng(seed)
    pos, neg = np.asarray(pos, dtype=np.float64), np.asarray(neg, dtype=np.float64)
    stats = [fast_auc(pos[rng.integers(0, pos.size, pos.size)], np.sort(neg[rng.integers(0, neg.size, neg.size)])) for _ in range(n_boot)]
    return [round(float(np.quantile(stats, 0.025)), 4), round(float(np.quantile(stats, 0.975)), 4)]


def wilson_ci(k, n, z=1.959964):
    """95 % Wilson score interval of a proportion k/n."""
    if n == 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(centre - half, 4), round(centre + half, 4)]


def make_set(seed0, per_kind):
    """per_kind lists of each kind (kind = KINDS[i % 4] for the i-th seed), observed realistically (observed_sim)."""
    out = []
    for i in range(per_kind * len(KINDS)):
        kind = KINDS[i % len(KINDS)]
        seed = seed0 + i
        sim = simulate_observation(seed, kind)
        t, e = sim['time'], sim['energy']
        out.append({'seed': seed, 'kind': kind, 'label': KINDS.index(kind), 'time': t, 'energy': e, 'gti': sim['gti'],
                    'frame_time': sim['frame_time'], 'features': features(t, e, gti=sim['gti']),
                    'used': int(reference.select_band(t, e)[0].size)})
    return out


@torch.no_grad()
def predict(net, feats, batch=64):
    net.eval()
    embs, probs = [], []
    order = np.argsort([f.shape[0] for f in feats])
    out_e = [None] * len(feats)
    out_p = [None] * len(feats)
    for s in range(0, len(order), batch):
        idx = order[s:s + batch]
        x, m = pad_batch([feats[i] for i in idx])
        emb, logits = net(x, m)
        pr = torch.softmax(logits, dim=1).numpy()
        for k, i in enumerate(idx):
            out_e[i] = emb[k].numpy()
            out_p[i] = pr[k]
    return np.stack(out_e), np.stack(out_p)


def evaluate(net, data, threshold=None):
    """AUCs of anomaly_score (variable kind vs steady), overall and by in-band counts and frame time; with a
    threshold, the steady false-positive rate and the detected fraction of each variable kind at it."""
    emb, probs = predict(net, [d['features'] for d in data])
    score = 1.0 - probs[:, 0]
    labels = np.array([d['label'] for d in data])
    used = np.array([d['used'] for d in data])
    frame = np.array([d['frame_time'] for d in data])
    res = {'n': len(data), 'accuracy_4class': float((probs.argmax(1) == labels).mean())}
    steady = score[labels == 0]
    res['auc_variable_vs_steady'] = auc(score[labels > 0], steady)
    for k in (1, 2, 3):
        res[f'auc_{KINDS[k]}_vs_steady'] = auc(score[labels == k], steady)

    def subset(sel, label):
        row = {label[0]: label[1], 'n_steady': int((sel & (labels == 0)).sum()), 'n_variable': int((sel & (labels > 0)).sum()),
               'auc_variable_vs_steady': auc(score[sel & (labels > 0)], score[sel & (labels == 0)])}
        for k in (1, 2, 3):
            row[f'auc_{KINDS[k]}_vs_steady'] = auc(score[sel & (labels == k)], score[sel & (labels == 0)])
        if threshold is not None:
            st = score[sel & (labels == 0)]
            row['steady_fpr_at_threshold'] = float((st > threshold).mean()) if st.size else None
        return row
    res['by_in_band_counts'] = [subset((used >= lo) & (used < hi), ('in_band_events', f'[{lo}, {hi if hi < 10 ** 9 else "inf"})'))
                                for lo, hi in [(0, 100), (100, 1000), (1000, 10 ** 9)]]
    res['by_frame_time'] = [subset(frame == f, ('frame_time_s', f)) for f in sorted(set(frame.tolist()))]
    res['steady_fpr_at_0.5'] = float((steady > 0.5).mean())
    if threshold is not None:
        res['threshold'] = threshold
        res['steady_fpr_at_threshold'] = float((steady > threshold).mean())
        res['tpr_at_threshold'] = {KINDS[k]: float((score[labels == k] > threshold).mean()) for k in (1, 2, 3)}
        res['ci95'] = {'steady_fpr_at_threshold (Wilson)': wilson_ci(int((steady > threshold).sum()), int(steady.size))}
        res['ci95']['auc_variable_vs_steady (bootstrap)'] = bootstrap_auc_ci(score[labels > 0], steady, SEED + 10)
        for k in (1, 2, 3):
            res['ci95'][f'auc_{KINDS[k]}_vs_steady (bootstrap)'] = bootstrap_auc_ci(score[labels == k], steady, SEED + 10 + k)
    confusion = np.zeros((4, 4), dtype=int)
    for t, p in zip(labels, probs.argmax(1)):
        confusion[t, p] += 1
    res['confusion_4class'] = confusion.tolist()
    return res, emb, score


def r6(x):
    return [round(float(v), 7) for v in x]


def main():
    started = clock.time()
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)

    t0 = clock.time()
    train = make_set(TRAIN_SEED0, N_TRAIN_PER_KIND)
    val = make_set(VAL_SEED0, N_VAL_PER_KIND)
    test = make_set(TEST_SEED0, N_TEST_PER_KIND)
    sim_seconds = clock.time() - t0
    print(f'simulated {len(train)}/{len(val)}/{len(test)} event lists in {sim_seconds:.1f} s', flush=True)

    real = []
    for name in SAMPLE_FILES:
        path = os.path.join(ROOT, 'data', 'sample', name)
        t, e = read_event_file(path)
        real.append({'name': name, 'time': t, 'energy': e, 'sha256': hashlib.sha256(open(path, 'rb').read()).hexdigest()})

    net = DeepSets()
    opt = torch.optim.AdamW(net.parameters(), lr=LR, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    ce = nn.CrossEntropyLoss()
    best = (-1.0, None, -1)
    history = []
    t0 = clock.time()
    for epoch in range(EPOCHS):
        net.train()
        # Two random thinnings of every list per epoch: label loss on both, embedding consistency between them.
        perm = rng.permutation(len(train))
        views_a, views_b = [], []
        for i in perm:
            d = train[i]
            ta, ea = thin(d['time'], d['energy'], rng)
            tb, eb = thin(d['time'], d['energy'], rng)
            views_a.append(features(ta, ea, gti=d['gti']))
            views_b.append(features(tb, eb, gti=d['gti']))
        # Batches of similar size (less padding): sort chunks of 8 batches by event count.
        chunk = BATCH * 8
        batches = []
        for s in range(0, len(perm), chunk):
            idx = list(range(s, min(s + chunk, len(perm))))
            idx.sort(key=lambda k: views_a[k].shape[0])
            batches += [idx[b:b + BATCH] for b in range(0, len(idx), BATCH)]
        rng.shuffle(batches)
        total, steps = 0.0, 0
        for b in batches:
            labels = torch.tensor([train[perm[k]]['label'] for k in b])
            xa, ma = pad_batch([views_a[k] for k in b])
            xb, mb = pad_batch([views_b[k] for k in b])
            ea, la = net(xa, ma)
            eb, lb = net(xb, mb)
            loss = ce(la, labels) + ce(lb, labels) + CONSISTENCY_WEIGHT * ((ea - eb) ** 2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss)
            steps += 1
        sched.step()
        res, _, _ = evaluate(net, val)
        history.append({'epoch': epoch + 1, 'loss': round(total / steps, 4), 'val_auc': round(res['auc_variable_vs_steady'], 4),
                        'val_acc': round(res['accuracy_4class'], 4)})
        print(f'epoch {epoch + 1}: loss {total / steps:.4f} val AUC {res["auc_variable_vs_steady"]:.4f} '
              f'acc {res["accuracy_4class"]:.3f} ({clock.time() - t0:.0f} s)', flush=True)
        if res['auc_variable_vs_steady'] > best[0]:
            best = (res['auc_variable_vs_steady'], {k: v.clone() for k, v in net.state_dict().items()}, epoch + 1)
    train_seconds = clock.time() - t0
    net.load_state_dict(best[1])
    net.eval()

    # The published threshold comes from the validation simulations only; the test figures are computed at it.
    _, _, val_score = evaluate(net, val)
    val_steady = val_score[np.array([d['label'] for d in val]) == 0]
    threshold = round(float(np.quantile(val_steady, THRESHOLD_QUANTILE)), 6)
    val_res, _, _ = evaluate(net, val, threshold)
    test_res, _, _ = evaluate(net, test, threshold)
    print('threshold', threshold, 'test:', json.dumps({k: test_res[k] for k in ('auc_variable_vs_steady', 'auc_flare_vs_steady', 'auc_dip_vs_steady',
                                                        'auc_periodic_vs_steady', 'accuracy_4class', 'steady_fpr_at_threshold')}), flush=True)

    # ONNX export, dynamic event axis.
    wrapper = OnnxEncoder(net).eval()
    onnx_path = os.path.join(HERE, 'model.onnx')
    example = torch.from_numpy(features(*read_event_file(os.path.join(ROOT, 'data', 'sample', SAMPLE_FILES[0])))[None])
    torch.onnx.export(wrapper, (example,), onnx_path, input_names=['events'],
                      output_names=['embedding', 'anomaly_score', 'kind_probabilities'],
                      dynamic_axes={'events': {1: 'N'}}, opset_version=17, do_constant_folding=True)
    import onnx
    model = onnx.load(onnx_path)
    onnx.checker.check_model(model)
    onnx_bytes = open(onnx_path, 'rb').read()
    onnx_sha = hashlib.sha256(onnx_bytes).hexdigest()

    # Fixture for the TypeScript tests: features (Python) and torch outputs on the real files and a few simulations.
    fixture = {'version': VERSION, 'max_events': MAX_EVENTS, 'real': [], 'simulations': []}
    with torch.no_grad():
        for r in real:
            f = features(r['time'], r['energy'])
            entry = {'file': r['name'], 'sha256': r['sha256'], 'rows': int(f.shape[0]),
                     'used': int(reference.select_band(r['time'], r['energy'])[0].size),
                     'first5': [r6(row) for row in f[:5]], 'sums': r6(f.astype(np.float64).sum(0))}
            if f.shape[0] > 0:
                emb, score, probs = wrapper(torch.from_numpy(f)[None])
                entry.update({'embedding': r6(emb[0]), 'anomaly_score': round(float(score[0]), 7), 'kind_probabilities': r6(probs[0])})
            fixture['real'].append(entry)
        # Realistic simulations with GTI gaps and frame times: the TypeScript encoder (good-time clock included)
        # must give the same outputs from the raw times, energies and GTIs.
        fixture['observed'] = []
        for seed in OBSERVED_FIXTURE_SEEDS:
            sim = simulate_observation(seed, KINDS[seed % 4])
            f = features(sim['time'], sim['energy'], gti=sim['gti'])
            emb, score, probs = wrapper(torch.from_numpy(f)[None])
            fixture['observed'].append({
                'seed': seed, 'params': sim['params'], 'time': [float(x) for x in sim['time']],
                'energy': [float(x) for x in sim['energy']], 'gti': sim['gti'].tolist(), 'rows': int(f.shape[0]),
                'first5': [r6(row) for row in f[:5]], 'embedding': r6(emb[0]), 'anomaly_score': round(float(score[0]), 7)})
        for seed, kind in [(7, 'steady'), (11, 'flare'), (13, 'dip'), (17, 'periodic'), (19, None)]:
            p = random_simulation_params(seed, kind, tstart=3.0e8)
            t, e = simulate_events(p)
            f = features(t, e)
            emb, score, probs = wrapper(torch.from_numpy(f)[None])
            fixture['simulations'].append({
                'seed': seed, 'kind': kind, 'tstart': 3.0e8, 'resolved_kind': p['variability']['kind'],
                'sim_seed': p['seed'], 'base_rate': p['baseRate'], 'duration': p['duration'],
                'count': int(t.size), 'time_first3': [float(x) for x in t[:3]], 'time_sum': float(t.sum()),
                'energy_first3': [float(x) for x in e[:3]], 'energy_sum': float(e.astype(np.float64).sum()),
                'rows': int(f.shape[0]), 'embedding': r6(emb[0]), 'anomaly_score': round(float(score[0]), 7)})
    os.makedirs(os.path.join(HERE, 'fixtures'), exist_ok=True)
    with open(os.path.join(HERE, 'fixtures', 'encoder-fixture.json'), 'w') as fh:
        json.dump(fixture, fh, indent=1)
        fh.write('\n')

    # Determinism: the previous card written by the same training code (same sources) records its model sha256.
    code_sha = hashlib.sha256(b''.join(open(os.path.join(d, f), 'rb').read() for d, f in [
        (HERE, 'train.py'), (HERE, 'observed_sim.py'), (os.path.join(ROOT, 'ml', 'representations'), 'reference.py')])).hexdigest()
    previous = None
    try:
        old = json.load(open(os.path.join(HERE, 'card.json')))
        if old.get('determinism', {}).get('training_code_sha256') == code_sha:
            previous = old['determinism']['runs'][-1]
    except (OSError, ValueError, KeyError, IndexError):
        pass
    this_run = {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'), 'model_sha256': onnx_sha}
    runs = [previous, this_run] if previous else [this_run]
    determinism = {'training_code_sha256': code_sha, 'runs': runs,
                   'identical': (previous['model_sha256'] == onnx_sha) if previous else None,
                   'note': 'sha256 of model.onnx from this run and from the previous run of the same training code (train.py, observed_sim.py, reference.py); run the command twice to fill both'}
    real_scores = [{'file': r['file'], 'in_band_events': r['used'], 'anomaly_score': r.get('anomaly_score'),
                    'above_threshold': None if r.get('anomaly_score') is None else r['anomaly_score'] > threshold} for r in fixture['real']]
    card = {
        'name': 'xtap-event-encoder',
        'model_id': 'event-encoder',
        'version': VERSION,
        'task': ('permutation-invariant (DeepSets) encoding of an X-ray event list into a 16-d embedding, probabilities of '
                 'four variability kinds (steady, flare, dip, periodic) and an anomaly score = probability of non-steady '
                 'behaviour'),
        'model_file': 'model.onnx',
        'model_sha256': onnx_sha,
        'model_bytes': len(onnx_bytes),
        'onnx': {'opset': 17, 'producer': f'torch {torch.__version__}'},
        'kinds': KINDS,
        'embedding_dim': EMBED_DIM,
        'max_events': MAX_EVENTS,
        'min_domain_events': MIN_DOMAIN_EVENTS,
        'inputs': [{
            'name': 'events', 'type': 'float32', 'shape': [1, 'N', 3],
            'description': ('per-event features v1 of the 0.5-7 keV events on the good-time clock (GTI gaps removed), rows in time order, '
                            f'N = min(in-band events, {MAX_EVENTS}) (even subsampling); encoderFeatures(list, {MAX_EVENTS}) in encode.ts = '
                            f'eventFeatures(goodTimeClock(list, gti) sorted by (time, energy), {MAX_EVENTS}) in ml/representations'),
            'time_axis': 'good-time clock: seconds of good time before each event, sum over GTIs of clip(t - start, 0, stop - start); the file GTIs (identity shift when one GTI covers the events)',
            'features_version': 1,
            'features': [
                {'name': 'tau', 'unit': '', 'definition': '(t - tmin)/(tmax - tmin) over the in-band events'},
                {'name': 'log_energy', 'unit': '', 'definition': '(log10 E - log10 500 eV)/(log10 7000 eV - log10 500 eV)'},
                {'name': 'log_gap', 'unit': '', 'definition': '(clip(log10(max(dt/mean gap, 1e-4)), -4, 1) + 4)/5'},
            ],
        }],
        'outputs': [
            {'name': 'embedding', 'type': 'float32', 'shape': [1, EMBED_DIM],
             'description': 'rho(mean_i phi(x_i), max_i phi(x_i), light-curve features, log10 N / log10 2048): the 16-d set embedding (Euclidean distances are meaningful)'},
            {'name': 'anomaly_score', 'type': 'float32', 'shape': [1],
             'description': '1 - P(steady): probability that the list is not a steady (constant-rate Poisson) source; compare with anomaly_threshold'},
            {'name': 'kind_probabilities', 'type': 'float32', 'shape': [1, len(KINDS)],
             'description': 'softmax probabilities of steady, flare, dip, periodic (in `kinds` order)'},
        ],
        'feature_extraction': {'typescript': 'ml/representations/features.ts (eventFeatures)',
                               'python': 'ml/representations/reference.py (event_features)',
                               'spec': 'ml/representations/README.md "Per-event features"'},
        'architecture': {
            'type': ('DeepSets: phi = MLP 3-64-64-64 (ReLU) per event on (x - 0.5) * (2, 2, 10); mean and max over events; '
                     f'light curve = counts of tau in {LC_BINS} equal bins as Poisson z-scores (c - N/{LC_BINS})/sqrt(N/{LC_BINS} + 1) -> '
                     f'Conv1d(1-{LC_CHANNELS}, k 5) ReLU -> Conv1d({LC_CHANNELS}-{LC_CHANNELS}, k 5, dilation 2) ReLU -> max and mean over bins; '
                     f'rho = MLP (64+64+{2 * LC_CHANNELS}+1)-64-16 on [LayerNorm(mean), LayerNorm(max), light curve, log10 N / log10 2048]; head = linear 16-4 + softmax'),
            'n_parameters': int(sum(p.numel() for p in net.parameters())),
            'permutation_invariance': 'mean and max pooling are symmetric; encode.ts and train.py sort events by (time, energy) before eventFeatures so ties cannot change the rows; a shuffled input agrees to float rounding',
        },
        'training': {
            'data': {
                'simulations': {
                    'origin': 'models/event-encoder/observed_sim.py simulate_observation(seed, kind): the variability kinds of ml/representations simulate.ts observed as ACIS records them (numpy PCG64 per seed)',
                    'kinds': 'steady, flare (FRED, amplitude 3-50), dip (depth 0.5-1, width 5-20 % of T), periodic (5-50 cycles, pulsed fraction 0.3-0.9)',
                    'ranges': f'duration 1-150 ks, expected source counts {COUNTS_MIN:g}-{COUNTS_MAX:g} (log-uniform), photon index 1-2.5, NH 1e20-1e22 cm-2, 0.3-10 keV photon energies, no effective area',
                    'observation': {
                        'frame_time_s': dict(zip([str(f) for f in FRAME_TIMES], FRAME_PROBS)),
                        'frame_quantisation': 'time = phase + f (k + 1/2) for the frame k of the arrival, phase ~ U(0, f); f = 0: unquantised',
                        'dither': 'p = 0.5: rate x (1 + a_y sin(2 pi t/707 s + phi_y))(1 + a_z sin(2 pi t/1000 s + phi_z)), a ~ U(0, 0.15)',
                        'background': 'steady, Gamma 0.5 unabsorbed, fraction of counts logU(0.005, 0.3)',
                        'gti_gaps': '0/1/2/3 gaps with p .5/.25/.15/.1, each T logU(0.005, 0.08) long; events in gaps removed, GTIs kept for the good-time clock',
                        'pi_energies': 'p = 0.2: E = 14.6 eV x PI channel',
                    },
                    'split': {'train': {'seeds': f'{TRAIN_SEED0}..{TRAIN_SEED0 + N_TRAIN_PER_KIND * 4 - 1}', 'n': len(train)},
                              'validation (model selection by AUC)': {'seeds': f'{VAL_SEED0}..{VAL_SEED0 + N_VAL_PER_KIND * 4 - 1}', 'n': len(val)},
                              'test (held out, reported)': {'seeds': f'{TEST_SEED0}..{TEST_SEED0 + N_TEST_PER_KIND * 4 - 1}', 'n': len(test)}},
                    'kind_of_seed': 'KINDS[i % 4] for the i-th seed of a split, KINDS = steady, flare, dip, periodic (balanced)',
                },
                'real_event_files': {
                    'files': [{'file': f'data/sample/{r["name"]}', 'sha256': r['sha256']} for r in real],
                    'origin': 'Chandra ACIS event lists (ObsID 10027 M82, ObsID 18059 Mrk 1434) from the stingray and astropy test data; see data/sample/ORIGIN.md',
                    'use': 'not used for training or model selection: scored after training as a check (evaluation.real_sample_files)',
                },
            },
            'objective': f'cross-entropy on the 4 kinds for two random thinnings (keep probability U(0.5, 1)) of each list + {CONSISTENCY_WEIGHT} x squared embedding distance between the thinnings',
            'optimiser': f'AdamW lr {LR}, weight decay 1e-4, cosine schedule, {EPOCHS} epochs, batch {BATCH}; best epoch by validation AUC: {best[2]}',
            'seed': SEED,
            'threads': 1,
            'history': history,
        },
        'evaluation': {
            'protocol': (f'threshold = {THRESHOLD_QUANTILE} quantile of the anomaly scores of the steady validation simulations (fixed before training); '
                         'figures on held-out test simulations (test seeds, never seen in training, model selection or threshold choice), all realistic '
                         '(frame-quantised, background, dither, GTI gaps); score = anomaly_score; AUC = Mann-Whitney U / (n_pos n_neg)'),
            'anomaly_threshold': threshold,
            'test': test_res,
            'validation': {k: val_res[k] for k in ('auc_variable_vs_steady', 'accuracy_4class', 'steady_fpr_at_threshold')},
            'real_sample_files': real_scores,
        },
        'limitations': [
            'Simulations include frame quantisation, steady background, dither modulation and GTI gaps, but no pile-up, background flares, effective area or redistribution; a real background flare is variability to this model.',
            'GTI gaps are removed (good-time clock) before encoding, so variability inside a gap is invisible and a gap is not a dip; ingest uses the GTI HDU of the file.',
            f'Lists with fewer than {MIN_DOMAIN_EVENTS} in-band events are outside the training domain (ingest flags them, is_in_training_domain = false); with no in-band event nothing is encoded.',
            f'Only {MAX_EVENTS} evenly spaced (in time order) events are encoded; relative gaps are computed on the full list first.',
            'Variability shorter than the mean gap between events is invisible; periodic signals with small pulsed fractions and few counts are the hardest (see by_in_band_counts).',
            'The anomaly score is a classifier probability calibrated on the balanced simulated mixture (prior 3/4 variable), not on the population of real Chandra sources.',
        ],
        'anomaly_threshold': threshold,
        'determinism': determinism,
        'training_command': '/usr/bin/python3 models/event-encoder/train.py',
        'training_seconds': round(clock.time() - started, 1),
        'simulation_seconds': round(sim_seconds, 1),
        'fit_seconds': round(train_seconds, 1),
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'software': {'python': platform.python_version(), 'torch': torch.__version__, 'numpy': np.__version__,
                     'onnx': onnx.__version__, 'platform': platform.platform()},
    }
    with open(os.path.join(HERE, 'card.json'), 'w') as fh:
        json.dump(card, fh, indent=2)
        fh.write('\n')
    write_card_md(card)
    print(f'wrote model.onnx ({len(onnx_bytes)} bytes, sha256 {onnx_sha}), card.json, CARD.md in {clock.time() - started:.0f} s')


def fmt(x):
    return '—' if x is None else f'{x:.3f}'


def write_card_md(c):
    t = c['evaluation']['test']
    lines = [
        f'# {c["name"]} {c["version"]}',
        '',
        c['task'][0].upper() + c['task'][1:] + '.',
        '',
        f'- Model: `model.onnx` ({c["model_bytes"]} bytes, sha256 `{c["model_sha256"]}`), opset {c["onnx"]["opset"]}, dynamic event axis; model_id `{c["model_id"]}` in `ml.model`.',
        f'- Input: `events float32[1, N, 3]` = `encoderFeatures(list, {c["max_events"]})` (encode.ts: good-time clock, sort by (time, energy), then ml/representations eventFeatures v1: tau, log_energy, log_gap, all in [0, 1]; 0.5–7 keV events in time order).',
        f'- Outputs: `embedding float32[1, {c["embedding_dim"]}]`, `anomaly_score float32[1]` = 1 − P(steady), `kind_probabilities float32[1, 4]` (steady, flare, dip, periodic).',
        f'- Architecture: {c["architecture"]["type"]} ({c["architecture"]["n_parameters"]} parameters).',
        f'- Training: `{c["training_command"]}` ({c["training_seconds"]} s on 1 thread), {c["date"]}; seed {c["training"]["seed"]}.',
        f'- Input time axis: {c["inputs"][0]["time_axis"]}.',
        '- TypeScript inference: `encode.ts` (`loadEventEncoder`, `encodeEvents`); ingest: `ingest/events.ts`.',
        '',
        '## Training data',
        '',
        f'- Simulations: {c["training"]["data"]["simulations"]["origin"]}.',
        f'  Kinds: {c["training"]["data"]["simulations"]["kinds"]}; {c["training"]["data"]["simulations"]["ranges"]}.',
        '  Observation: ' + '; '.join(f'{k}: {x}' for k, x in c['training']['data']['simulations']['observation'].items()) + '.',
        '  Split by seed: ' + '; '.join(f'{k}: seeds {v["seeds"]} ({v["n"]} lists)' for k, v in c['training']['data']['simulations']['split'].items()) + '.',
        f'- Real files: {", ".join(f["file"] for f in c["training"]["data"]["real_event_files"]["files"])} — {c["training"]["data"]["real_event_files"]["origin"]}; {c["training"]["data"]["real_event_files"]["use"]}.',
        f'- Objective: {c["training"]["objective"]}.',
        f'- Optimiser: {c["training"]["optimiser"]}.',
        '',
        '## Evaluation (held-out realistic simulations)',
        '',
        c['evaluation']['protocol'] + '.',
        '',
        f'Published anomaly threshold: **{c["anomaly_threshold"]:.4f}** (anomaly_score above it = flagged as variable).',
        '',
        f'| test set | n | steady FPR at threshold | ROC AUC variable vs steady | flare vs steady | dip vs steady | periodic vs steady | 4-kind accuracy |',
        '|---|---|---|---|---|---|---|---|',
        f'| all | {t["n"]} | {fmt(t["steady_fpr_at_threshold"])} | {fmt(t["auc_variable_vs_steady"])} | {fmt(t["auc_flare_vs_steady"])} | {fmt(t["auc_dip_vs_steady"])} | {fmt(t["auc_periodic_vs_steady"])} | {fmt(t["accuracy_4class"])} |',
        '',
        '| subset | steady / variable | steady FPR at threshold | AUC variable vs steady | flare vs steady | dip vs steady | periodic vs steady |',
        '|---|---|---|---|---|---|---|',
    ]
    for b in t['by_in_band_counts'] + t['by_frame_time']:
        label = f'in-band events {b["in_band_events"]}' if 'in_band_events' in b else f'frame time {b["frame_time_s"]} s'
        lines.append(f'| {label} | {b["n_steady"]} / {b["n_variable"]} | {fmt(b["steady_fpr_at_threshold"])} | {fmt(b["auc_variable_vs_steady"])} | '
                     f'{fmt(b["auc_flare_vs_steady"])} | {fmt(b["auc_dip_vs_steady"])} | {fmt(b["auc_periodic_vs_steady"])} |')
    v = c['evaluation']['validation']
    d = c['determinism']
    lines += [
        '',
        '95 % intervals (test): ' + '; '.join(f'{k} [{v[0]:.3f}, {v[1]:.3f}]' for k, v in t['ci95'].items()) + '.',
        '',
        f'At the threshold, ' + ', '.join(f'{k} {x:.2f}' for k, x in t['tpr_at_threshold'].items()) + ' of the variable test lists are detected; '
        f'validation steady FPR {v["steady_fpr_at_threshold"]:.3f}. Steady test lists scored > 0.5: {t["steady_fpr_at_0.5"]:.3f}.',
        '',
        'Confusion matrix of the 4 kinds (rows true, columns predicted; steady, flare, dip, periodic): '
        + '; '.join(' '.join(str(x) for x in row) for row in t['confusion_4class']) + '.',
        '',
        '## Check on real files (not used for training, model selection or the threshold)',
        '',
        *[f'- `{r["file"]}` ({r["in_band_events"]} in-band events): anomaly score {fmt(r["anomaly_score"])}'
          + ('' if r['above_threshold'] is None else (' — **above** the threshold' if r['above_threshold'] else ' — below the threshold'))
          + ('' if r['in_band_events'] >= c['min_domain_events'] else f' (outside the training domain: < {c["min_domain_events"]} in-band events)')
          for r in c['evaluation']['real_sample_files']],
        '',
        '## Determinism and software',
        '',
        f'- model.onnx sha256 per run of the same training code (`{d["training_code_sha256"][:16]}…`): '
        + '; '.join(f'{r["date"]}: `{r["model_sha256"]}`' for r in d['runs'])
        + ('' if d['identical'] is None else (' — **identical**' if d['identical'] else ' — **differ**')) + '.',
        '- ' + ', '.join(f'{k} {x}' for k, x in c['software'].items()) + '.',
        '',
        '## Limitations',
        '',
        *[f'- {x}' for x in c['limitations']],
        '',
        '## Files',
        '',
        '- `train.py`: simulation port, features, training, threshold, evaluation, ONNX export, this card (regenerated on every run).',
        '- `observed_sim.py`: the realistic simulations (frame quantisation, dither, background, GTI gaps) and the good-time clock.',
        '- `card.json`: the machine-readable card (registered in `ml.model.card`); `encode.ts` checks model.onnx against it.',
        '- `fixtures/encoder-fixture.json`: Python features and torch outputs that the TypeScript tests compare with.',
        '',
    ]
    with open(os.path.join(HERE, 'CARD.md'), 'w') as fh:
        fh.write('\n'.join(lines))


if __name__ == '__main__':
    main()
