"""numpy is the oracle: every selection reads and writes exactly what numpy would."""

from __future__ import annotations

import hub_v1 as hub
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# One memory store for the property tests: hypothesis calls the test many times.
_HUB = hub.memory().connect()
_COUNTER = iter(range(10**9))


@st.composite
def array_and_selection(draw):
    ndim = draw(st.integers(1, 4))
    shape = tuple(draw(st.integers(1, 9)) for _ in range(ndim))
    chunk = tuple(draw(st.integers(1, extent + 2)) for extent in shape)
    key = []
    list_used = False
    for extent in shape:
        kind = draw(st.sampled_from(["int", "slice", "slice", "list", "full"]))
        if kind == "int":
            key.append(draw(st.integers(-extent, extent - 1)))
        elif kind == "list" and not list_used:
            list_used = True
            key.append(draw(st.lists(st.integers(-extent, extent - 1), min_size=0, max_size=6)))
        elif kind == "full":
            key.append(slice(None))
        else:
            bound = st.one_of(st.none(), st.integers(-extent - 3, extent + 3))
            step = draw(st.one_of(st.none(), st.integers(-4, 4).filter(lambda s: s != 0)))
            key.append(slice(draw(bound), draw(bound), step))
    # Sometimes leave trailing axes out, or stand an ellipsis in for some of them.
    cut = draw(st.integers(0, ndim))
    if draw(st.booleans()):
        key = key[:cut]
    elif draw(st.booleans()):
        key = [*key[:cut], Ellipsis]
    return shape, chunk, tuple(key)


def _new_array(shape, chunk, dtype="int32"):
    return _HUB.array(f"prop/{next(_COUNTER)}", shape=shape, chunk=chunk, dtype=dtype)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(array_and_selection())
def test_reads_match_numpy(case):
    shape, chunk, key = case
    reference = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    array = _new_array(shape, chunk)
    array[...] = reference
    expected = reference[key]
    got = array[key]
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(array_and_selection(), st.integers(0, 2**31))
def test_writes_match_numpy(case, seed):
    shape, chunk, key = case
    rng = np.random.default_rng(seed)
    reference = rng.integers(-1000, 1000, shape).astype(np.int32)
    array = _new_array(shape, chunk)
    array[...] = reference
    value = rng.integers(-1000, 1000, _value_shape(reference[key].shape, rng)).astype(np.int32)
    if isinstance(key, tuple) and any(isinstance(k, list) and len(set(k)) != len(k) for k in key):
        value[...] = 7  # duplicate list entries: numpy's winner is unspecified; keep them equal
    try:
        reference[key] = value
    except ValueError:
        with pytest.raises(ValueError):  # numpy refuses this value shape: so must we
            array[key] = value
        return
    array[key] = value
    np.testing.assert_array_equal(array[...], reference)


def _value_shape(target: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
    """A value shape numpy may or may not accept for a selection of shape `target`: exact,
    with extra leading length-1 axes, broadcast from fewer axes or from length-1 axes, or
    (sometimes) wrong."""
    kind = rng.integers(0, 5)
    if kind == 1:
        return (1,) * int(rng.integers(1, 3)) + target
    if kind == 2:
        return target[int(rng.integers(0, len(target) + 1)) :]
    if kind == 3:
        return tuple(1 if rng.random() < 0.5 else extent for extent in target)
    if kind == 4 and target:
        wrong = list(target)
        wrong[int(rng.integers(0, len(wrong)))] += 1
        return (1, *tuple(wrong))
    return target


@pytest.mark.parametrize(
    "key",
    [
        -1,
        (slice(None, None, -1),),
        (Ellipsis, 0),
        (0, Ellipsis, slice(1, None, 2)),
        ([3, 0, 3, 1],),
        (slice(None), [2, 0]),
        (0, slice(None), [1, 2]),  # numpy moves the gathered axis first here
        ([1, 2], slice(None), 0),
        (np.array([True, False, True, False, True]),),
        (np.int64(2), np.int32(-1)),
        (slice(np.int64(1), np.int64(4)),),
        (slice(10, 20),),
    ],
)
def test_specific_keys_match_numpy(datahub, key):
    reference = np.arange(5 * 4 * 3, dtype=np.float64).reshape(5, 4, 3)
    array = datahub.array("a", shape=(5, 4, 3), chunk=(2, 3, 2), dtype="float64")
    array[...] = reference
    np.testing.assert_array_equal(array[key], reference[key])
    assert np.shape(array[key]) == np.shape(reference[key])


def test_single_element_is_numpy_scalar(datahub):
    array = datahub.array("s", shape=(4, 4), dtype="uint16")
    array[2, 3] = 9
    value = array[2, 3]
    assert isinstance(value, np.uint16) and value == 9
    assert isinstance(array[-2, -1], np.generic)


def test_writes_broadcast_and_cast_like_numpy(datahub):
    array = datahub.array("b", shape=(3, 4), chunk=(2, 2), dtype="int16")
    array[:, 1] = 5
    array[0] = np.array([1.9, -2.7, 70000.0, 3.2])  # unsafe cast, as astype does
    expected = np.zeros((3, 4), np.int16)
    expected[:, 1] = 5
    expected[0] = np.array([1.9, -2.7, 70000.0, 3.2]).astype(np.int16)
    np.testing.assert_array_equal(array[:], expected)
    array[1:] = np.arange(4)  # broadcast a row over two rows
    expected[1:] = np.arange(4)
    np.testing.assert_array_equal(np.asarray(array), expected)


def test_batch_gather_on_first_axis(datahub):
    reference = np.arange(100 * 6).reshape(100, 6).astype(np.uint8)
    array = datahub.array("g", shape=(100, 6), chunk=(7, 6), dtype="uint8")
    array[:] = reference
    indices = np.array([99, 0, 42, 42, 7, 64])
    np.testing.assert_array_equal(array[indices], reference[indices])
    np.testing.assert_array_equal(array[list(indices), 2:4], reference[indices, 2:4])


def test_results_are_page_aligned_numpy_arrays_that_own_their_memory(datahub):
    """Results live in page-aligned memory (the kernel copies file pages into memory 16 bytes
    past a page boundary, where numpy's own large arrays start, 3x slower on AMD Zen), and
    behave as any numpy array: writeable, and alive after the array object is gone."""
    array = datahub.array("p", shape=(64, 64, 64), chunk=(8, 64, 64), dtype="uint8")
    array[:] = 3
    whole, some = array[:], array[5:20]
    for result in (whole, some):
        assert result.ctypes.data % 4096 == 0
        assert result.flags.writeable and result.flags.c_contiguous
    large = datahub.array("large", shape=(8, 1024, 1024), chunk=(1, 1024, 1024), dtype="uint8")
    assert large[:].ctypes.data % (2 << 20) == 0  # from 4 MiB: aligned for huge pages
    del array
    some[0, 0, 0] = 9
    assert int(some.sum()) == 3 * some.size + 6


def test_read_into_a_reused_buffer(datahub):
    array = datahub.array("r", shape=(10, 3), chunk=(4, 3), dtype="int32")
    array[:] = np.arange(30).reshape(10, 3)
    buffer = np.empty((4, 3), np.int32)
    assert array.read(slice(2, 6), out=buffer) is buffer
    np.testing.assert_array_equal(buffer, np.arange(6, 18).reshape(4, 3))
    with pytest.raises(ValueError, match="shape"):
        array.read(slice(0, 5), out=buffer)
    with pytest.raises(ValueError, match="dtype"):
        array.read(slice(2, 6), out=np.empty((4, 3), np.int64))
    np.testing.assert_array_equal(array.read(), np.arange(30).reshape(10, 3))


def test_values_with_extra_leading_unit_axes_are_written_like_numpy(datahub):
    """The original Hub's habit: a value shaped like one more sample, or a row with its axes."""
    array = datahub.array("lead", shape=(10, 10, 10, 10), chunk=(5, 10, 10, 10), dtype="uint8")
    reference = np.zeros((10, 10, 10, 10), np.uint8)
    for target, key, value in [
        (array, 5, np.ones((1, 10, 10, 10))),
        (array, (3, 9, slice(None)), np.full((1, 1, 10), 2)),
        (array, (slice(2, 4),), np.full((1, 2, 1, 10, 1), 3)),
        (array, (0, 0, slice(0, 1), 0), np.full((1, 1), 4)),
    ]:
        target[key] = value
        reference[key] = value
    np.testing.assert_array_equal(array[:], reference)
    with pytest.raises(ValueError):
        array[5] = np.ones((2, 10, 10, 10))  # a leading axis that is not 1: numpy refuses too
    with pytest.raises(ValueError):
        array[0, 0, 0, 0] = np.ones((1, 1))  # one element takes a scalar only, as in numpy
