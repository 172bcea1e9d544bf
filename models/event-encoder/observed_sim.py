"""Realistic event-list simulations for training and evaluating the event encoder: the variability kinds of
ml/representations/simulate.ts (steady, flare, dip, periodic) observed the way Chandra ACIS records them.

Per list, from numpy's PCG64 seeded with (STREAM, seed), so every list is a pure function of its seed:
- source: duration T ~ logU(1 ks, 150 ks), expected source counts ~ logU(COUNTS_MIN, COUNTS_MAX), absorbed
  power law (Gamma ~ U(1, 2.5), NH ~ logU(1e20, 1e22) cm^-2), variability parameters as randomSimulationParams;
- dither: with probability 1/2 the rate is multiplied by (1 + a_y sin(2 pi t / 707 s + phi_y))
  (1 + a_z sin(2 pi t / 1000 s + phi_z)), a ~ U(0, 0.15) each (ACIS dither periods; a source near a chip edge or
  bad column is modulated with these periods);
- background: a steady, unabsorbed Gamma = 0.5 power law adding a fraction ~ logU(0.005, 0.3) of the counts;
- good-time-interval gaps: 0-3 gaps (p = .5, .25, .15, .1), each of T logU(0.005, 0.08) at a uniform start;
  events inside gaps are removed and the GTIs returned;
- frame quantisation: frame time f from FRAME_TIMES (ACIS full frame 3.241 s and the 1/2, 1/4, 1/8 subarray
  frame times; 0 = unquantised, e.g. HRC or continuous clocking); every time becomes phase + f (k + 1/2) for its
  frame k, phase ~ U(0, f), so times are multiples of f plus an offset, with several events in one frame;
- energies: with probability 0.2 quantised to PI channels, E = 14.6 eV x PI (as the reader does without an
  ENERGY column).
Rates use thinning of a homogeneous Poisson process (vectorised), energies the inverse CDF of the same table as
spectrum_table in train.py. No pile-up, no effective area, no background flares (see the card's limitations).
"""

import math

import numpy as np

STREAM = 0x7874_6170  # 'xtap': separates these streams from any other use of the same seeds
COUNTS_MIN, COUNTS_MAX = 30.0, 30000.0
DURATION_MIN, DURATION_MAX = 1e3, 1.5e5
FRAME_TIMES = [3.241, 1.741, 0.841, 0.441, 0.0]
FRAME_PROBS = [0.6, 0.1, 0.1, 0.1, 0.1]
DITHER_PERIODS = (707.0, 1000.0)
ACIS_EV_PER_PI = 14.6
KINDS = ['steady', 'flare', 'dip', 'periodic']


def _log_uniform(rng, a, b):
    return math.exp(rng.uniform(math.log(a), math.log(b)))


def _energy_sampler(photon_index, nh22, e_min=0.3, e_max=10.0, k=1024):
    energy = e_min * (e_max / e_min) ** (np.arange(k) / (k - 1))
    pdf = energy ** (-photon_index) * np.exp(-2.4 * nh22 * energy ** (-8.0 / 3.0))
    cdf = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(energy))])
    return lambda u: np.interp(u * cdf[-1], cdf, energy)


def _variability(rng, kind, T):
    if kind == 'steady':
        return lambda t: np.ones_like(t), {'kind': 'steady'}
    if kind == 'flare':
        tp = T * rng.uniform(0.1, 0.8)
        amp = _log_uniform(rng, 3, 50)
        rise = T * _log_uniform(rng, 0.002, 0.02)
        decay = T * _log_uniform(rng, 0.01, 0.15)

        def f(t):
            return 1 + amp * np.where(t < tp, np.exp(-np.abs(tp - t) / rise), np.exp(-np.abs(t - tp) / decay))
        return f, {'kind': 'flare', 'peakTime': tp, 'amplitude': amp, 'riseTime': rise, 'decayTime': decay}
    if kind == 'dip':
        tc = T * rng.uniform(0.2, 0.8)
        width = T * rng.uniform(0.05, 0.2)
        ingress = width * rng.uniform(0.05, 0.3)
        depth = rng.uniform(0.5, 1)

        def f(t):
            x = np.abs(t - tc) - width / 2
            g = np.clip(1 - x / ingress, 0, 1)
            return 1 - depth * g
        return f, {'kind': 'dip', 'centerTime': tc, 'width': width, 'ingress': ingress, 'depth': depth}
    cycles = rng.uniform(5, 50)
    pf = rng.uniform(0.3, 0.9)
    phase = rng.uniform(0, 2 * math.pi)
    period = T / cycles

    def f(t):
        return 1 + pf * np.sin(2 * math.pi * t / period + phase)
    return f, {'kind': 'periodic', 'period': period, 'pulsedFraction': pf, 'phase': phase}


def _poisson_times(rng, rate, rate_max, T):
    n = rng.poisson(rate_max * T)
    t = np.sort(rng.uniform(0, T, n))
    return t[rng.uniform(0, 1, n) * rate_max < rate(t)]


def simulate_observation(seed, kind, tstart=3.0e8):
    """One observed event list: {'time' (s, float64), 'energy' (eV, float32), 'gti' ([[start, stop]], s),
    'frame_time', 'params'}."""
    rng = np.random.default_rng([STREAM, seed])
    T = _log_uniform(rng, DURATION_MIN, DURATION_MAX)
    counts = _log_uniform(rng, COUNTS_MIN, COUNTS_MAX)
    photon_index = rng.uniform(1, 2.5)
    nh22 = _log_uniform(rng, 0.01, 1)
    shape, vparams = _variability(rng, kind, T)
    frame = float(FRAME_TIMES[rng.choice(len(FRAME_TIMES), p=FRAME_PROBS)])
    dithered = rng.uniform() < 0.5
    amp_y, amp_z = (rng.uniform(0, 0.15), rng.uniform(0, 0.15)) if dithered else (0.0, 0.0)
    ph_y, ph_z = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    bkg_fraction = _log_uniform(rng, 0.005, 0.3)
    n_gaps = int(rng.choice(4, p=[0.5, 0.25, 0.15, 0.1]))
    gaps = [(s, s + T * _log_uniform(rng, 0.005, 0.08)) for s in rng.uniform(0, T, n_gaps)]
    pi_energies = rng.uniform() < 0.2

    def rate_shape(t):
        d = (1 + amp_y * np.sin(2 * math.pi * t / DITHER_PERIODS[0] + ph_y)) * (1 + amp_z * np.sin(2 * math.pi * t / DITHER_PERIODS[1] + ph_z))
        return shape(t) * d

    grid = np.linspace(0, T, 20001)
    g = rate_shape(grid)
    r0 = counts / (np.trapz(g, grid))
    rate_max = r0 * float(g.max()) * 1.05  # 5 % headroom: the grid can miss a flare's sharp peak by a little
    src_t = _poisson_times(rng, lambda t: r0 * rate_shape(t), rate_max, T)
    src_e = _energy_sampler(photon_index, nh22)(rng.uniform(0, 1, src_t.size))
    bkg_rate = counts * bkg_fraction / (1 - bkg_fraction) / T
    bkg_t = _poisson_times(rng, lambda t: np.full_like(t, bkg_rate), bkg_rate, T)
    bkg_e = _energy_sampler(0.5, 0.0)(rng.uniform(0, 1, bkg_t.size))
    t = np.concatenate([src_t, bkg_t])
    e = np.concatenate([src_e, bkg_e]) * 1000.0

    # GTIs: [0, T] minus the gaps (merged).
    gti, cursor = [], 0.0
    for s, stop in sorted(gaps):
        if s > cursor:
            gti.append([cursor, min(s, T)])
        cursor = max(cursor, stop)
    if cursor < T:
        gti.append([cursor, T])
    good = np.zeros(t.size, dtype=bool)
    for s, stop in gti:
        good |= (t >= s) & (t <= stop)
    t, e = t[good], e[good]

    if frame > 0:
        phase = rng.uniform(0, frame)
        t = phase + frame * (np.floor((t - phase) / frame) + 0.5)
    if pi_energies:
        e = ACIS_EV_PER_PI * (np.floor(e / ACIS_EV_PER_PI) + 1)
    order = np.lexsort((e, t))
    params = {'seed': int(seed), 'kind': kind, 'duration': T, 'expected_source_counts': counts, 'photon_index': photon_index,
              'nH22': nh22, 'frame_time': frame, 'dither_amplitudes': [amp_y, amp_z], 'background_fraction': bkg_fraction,
              'gaps': len(gti) - 1, 'pi_energies': bool(pi_energies), 'variability': vparams}
    return {'time': tstart + t[order], 'energy': e[order].astype(np.float32),
            'gti': np.array(gti, dtype=np.float64) + tstart, 'frame_time': frame, 'params': params}


def good_time_clock(time, gti):
    """Seconds of good time elapsed before each time: sum over GTIs of clip(t - start, 0, stop - start).
    Gaps between GTIs vanish, so a gap in the data is not mistaken for a dip. gti None: time unchanged."""
    time = np.asarray(time, dtype=np.float64)
    if gti is None or len(gti) == 0:
        return time
    gti = np.asarray(gti, dtype=np.float64)
    return np.clip(time[:, None] - gti[None, :, 0], 0, (gti[:, 1] - gti[:, 0])[None, :]).sum(axis=1)
