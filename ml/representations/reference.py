"""Python/numpy reference of ml/representations (E-t map, exact dEdT map, per-event features, mulberry32).

It is the executable form of the definitions in README.md, for the training scripts to import or copy.
`python3 ml/representations/reference.py` rewrites testdata/stingray-reference.json from the real
Chandra file; the TypeScript tests check that etMap/dedtMap/eventFeatures/Rng give the same numbers.
Needs only numpy (the FITS reader below handles exactly the sample file's simple BINTABLE layout).
"""

import json
import math
import os

import numpy as np

BAND_MIN_EV = 500.0
BAND_MAX_EV = 7000.0
ET_TIME_BINS = 24
ET_ENERGY_BINS = 16
FINE_T = 4096
DEDT_TIME_LAG_EDGES = [0, 1, 2, 3, 4, 5, 6, 9, 13, 18, 26, 37, 53, 77, 110, 158, 227, 326, 468, 672, 964,
                       1384, 1987, 2853, 4096]
GAP_LOG_MIN, GAP_LOG_MAX = -4.0, 1.0


def mulberry32(seed):
    """Generator of uint32 values, bit-identical to Rng.uint32() in prng.ts."""
    state = seed & 0xFFFFFFFF
    while True:
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        yield (t ^ (t >> 14)) & 0xFFFFFFFF


def select_band(time, energy_ev):
    """Events with log10(E) inside [log10 500, log10 7000] (inclusive) and finite time; tau and eps."""
    time = np.asarray(time, dtype=np.float64)
    log_e = np.log10(np.asarray(energy_ev, dtype=np.float64))
    lo, hi = np.log10(BAND_MIN_EV), np.log10(BAND_MAX_EV)
    keep = np.isfinite(time) & (log_e >= lo) & (log_e <= hi)
    t, le = time[keep], log_e[keep]
    span = (t.max() - t.min()) if t.size else 0.0
    tau = (t - t.min()) / span if span > 0 else np.zeros_like(t)
    eps = (le - lo) / (hi - lo)
    return t, le, tau, eps, int((~keep).sum())


def et_map_counts(time, energy_ev):
    """Raw E-t counts, shape (24, 16) = (tau, log10 E): Dillmann et al.'s np.histogram2d call."""
    _, le, tau, _, _ = select_band(time, energy_ev)
    h, _, _ = np.histogram2d(tau, le, range=[[0, 1], [np.log10(BAND_MIN_EV), np.log10(BAND_MAX_EV)]],
                             bins=(ET_TIME_BINS, ET_ENERGY_BINS))
    return h


def _triangle_cdf(y, b):
    """CDF of b (U1 - U2), U ~ U(0, 1): triangular on [-b, b]."""
    y = np.clip(y, -b, b)
    return np.where(y <= 0, (y + b) ** 2 / (2 * b * b), 1 - (b - y) ** 2 / (2 * b * b))


def dedt_counts(time, energy_ev, frame_time=0.0):
    """Exact dEdT pair counts, shape (24, 16) = (time-lag row, energy-lag column), on continuous lags: pair i < j
    goes to the column of |eps_j - eps_i| (edges c/16) and the rows of |tau_j - tau_i| (edges L[r]/4096, last row
    open); with a frame time f > 0 the lag is spread by its triangular distribution of half-width f/T (arrival
    uniform within each frame). See docs/dedt.md."""
    t, _, tau, eps, _ = select_band(time, energy_ev)
    span = (t.max() - t.min()) if t.size else 0.0
    b = frame_time / span if (span > 0 and frame_time > 0) else 0.0
    edges = np.array(DEDT_TIME_LAG_EDGES[:-1], dtype=np.float64) / FINE_T  # lower edges of rows 0..23
    out = np.zeros((24, 16))
    for i in range(tau.size - 1):
        d = np.abs(tau[i + 1:] - tau[i])
        col = np.minimum(np.floor(np.abs(eps[i + 1:] - eps[i]) * 16), 15).astype(np.int64)
        if b == 0:
            row = np.searchsorted(edges, d, side='right') - 1
            np.add.at(out, (row, col), 1.0)
            continue
        # P(|d + X| < x) at every upper row edge; the last row takes the rest.
        upper = edges[1:][None, :]
        cdf = _triangle_cdf(upper - d[:, None], b) - _triangle_cdf(-upper - d[:, None], b)
        cdf = np.concatenate([np.zeros((d.size, 1)), np.maximum(cdf, 0), np.ones((d.size, 1))], axis=1)
        mass = np.diff(cdf, axis=1)
        for r in range(24):
            out[r] += np.bincount(col, weights=mass[:, r], minlength=16)
    return out


def event_features(time, energy_ev):
    """N x 3 features (tau, eps, scaled log gap) in time order; see README 'Per-event features'."""
    t, _, tau, eps, _ = select_band(time, energy_ev)
    order = np.argsort(t, kind='stable')
    t, tau, eps = t[order], tau[order], eps[order]
    n = t.size
    if n >= 2 and t[-1] > t[0]:
        gaps = np.diff(t)
        gaps = np.concatenate([[gaps[0]], gaps]) / ((t[-1] - t[0]) / (n - 1))
    else:
        gaps = np.ones(n)
    lg = np.clip(np.log10(np.maximum(gaps, 1e-4)), GAP_LOG_MIN, GAP_LOG_MAX)
    return np.stack([tau, eps, (lg - GAP_LOG_MIN) / (GAP_LOG_MAX - GAP_LOG_MIN)], axis=1).astype(np.float32)


def read_sample_events(path):
    """time/energy of a single-HDU-layout Chandra BINTABLE (enough for the sample file)."""
    raw = open(path, 'rb').read()
    pos, hdu = 0, 0
    while True:
        cards = {}
        order = []
        while True:
            card = raw[pos:pos + 80].decode('ascii')
            pos += 80
            if card.startswith('END '):
                break
            if card[8:10] == '= ':
                key = card[:8].strip()
                val = card[10:].split('/')[0].strip().strip("'").strip()
                cards[key] = val
                order.append(key)
        pos = (pos + 2879) // 2880 * 2880
        naxis = int(cards.get('NAXIS', 0))
        size = 0 if naxis == 0 else int(cards['NAXIS1']) * int(cards['NAXIS2'])
        if cards.get('EXTNAME') == 'EVENTS':
            fields, offset = [], 0
            for n in range(1, int(cards['TFIELDS']) + 1):
                code = cards[f'TFORM{n}'][-1]
                width = {'D': 8, 'E': 4, 'J': 4, 'I': 2}[code]
                fields.append((cards[f'TTYPE{n}'], {'D': '>f8', 'E': '>f4', 'J': '>i4', 'I': '>i2'}[code], offset))
                offset += width
            dtype = np.dtype({'names': [f[0] for f in fields], 'formats': [f[1] for f in fields],
                              'offsets': [f[2] for f in fields], 'itemsize': int(cards['NAXIS1'])})
            rows = np.frombuffer(raw, dtype=dtype, count=int(cards['NAXIS2']), offset=pos)
            return rows['time'].astype(np.float64), rows['energy'].astype(np.float64), float(cards.get('TIMEDEL', 0))
        pos += (size + 2879) // 2880 * 2880
        hdu += 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sample = os.path.join(here, '..', '..', 'data', 'sample', 'stingray_chandra_test.fits')
    time, energy, frame_time = read_sample_events(sample)
    feats = event_features(time, energy)
    gen = mulberry32(42)
    out = {
        'source': 'data/sample/stingray_chandra_test.fits via ml/representations/reference.py (numpy ' + np.__version__ + ')',
        'events': int(time.size),
        'used': int(select_band(time, energy)[0].size),
        'etCounts': et_map_counts(time, energy).astype(int).ravel().tolist(),
        'frameTime': frame_time,
        'dedtCounts': [round(float(x), 9) for x in dedt_counts(time, energy).ravel()],
        'dedtCountsFrame': [round(float(x), 9) for x in dedt_counts(time, energy, frame_time).ravel()],
        'featuresFirst5': [[float(x) for x in row] for row in feats[:5]],
        'featuresSum': [float(s) for s in feats.astype(np.float64).sum(axis=0)],
        'mulberry32Seed42': [next(gen) for _ in range(5)],
    }
    with open(os.path.join(here, 'testdata', 'stingray-reference.json'), 'w') as f:
        f.write('{\n' + ',\n'.join(f' {json.dumps(k)}: {json.dumps(v)}' for k, v in out.items()) + '\n}\n')


if __name__ == '__main__':
    main()
