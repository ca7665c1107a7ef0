"""Devices, streams, the gpu/metal/cuda namespaces and the memory API, against real MLX."""

import pytest

from helpers import ORACLE, SUBJECT, check, check_raises


def test_default_device_and_stream_reprs_match_mlx():
    for m in (ORACLE, SUBJECT):
        assert repr(m.default_device()) == "Device(cpu, 0)"
        assert repr(m.default_stream(m.cpu)) == "Stream(Device(cpu, 0), 0)"
    assert SUBJECT.default_device() == SUBJECT.cpu


def test_gpu_is_unavailable_without_a_gpu_backend():
    check(lambda m: m.is_available(m.gpu))
    check(lambda m: m.is_available(m.cpu))
    check(lambda m: m.device_count(m.cpu))
    check_raises(lambda m: m.default_stream(m.gpu), ValueError, "[default_stream]")
    check_raises(lambda m: m.zeros((2,), stream=m.gpu), ValueError)


def test_metal_and_cuda_namespaces():
    check(lambda m: m.metal.is_available())
    check(lambda m: m.cuda.is_available())
    assert SUBJECT.metal.device_info() == {}
    assert SUBJECT.metal.start_capture("trace.gputrace") is None


def test_new_streams_and_stream_context():
    m = SUBJECT
    s = m.new_stream(m.cpu)
    assert s.device == m.cpu and s != m.default_stream(m.cpu)
    with m.stream(s):
        assert m.default_stream(m.cpu) == s
        x = m.add(m.ones((2,)), 1)
    assert m.default_stream(m.cpu) != s
    assert x.tolist() == [2.0, 2.0]
    y = m.multiply(m.ones((2,)), 3, stream=s)
    assert y.tolist() == [3.0, 3.0]
    assert m.new_thread_unsafe_stream(m.cpu).device == m.cpu


def test_wired_limit_is_a_no_op_without_wired_memory():
    check(lambda m: (m.set_wired_limit(1 << 30), m.set_wired_limit(0)))


@pytest.mark.parametrize("setter", ["set_memory_limit", "set_cache_limit"])
def test_memory_limit_setters_return_the_previous_value(setter):
    m = SUBJECT
    fn = getattr(m, setter)
    old = fn(1 << 30)
    assert isinstance(old, int)
    assert fn(old) == 1 << 30


def test_cache_memory_is_reused_and_cleared():
    m = SUBJECT
    m.clear_cache()
    x = m.ones((256, 256)) + 1
    m.eval(x)
    del x
    assert m.get_cache_memory() > 0
    m.clear_cache()
    assert m.get_cache_memory() == 0


def test_thread_local_stream_is_one_stream_per_thread():
    import threading

    for m in (ORACLE, SUBJECT):
        s = m.new_thread_local_stream(m.cpu)
        assert type(s).__name__ == "ThreadLocalStream"
        assert s.device == m.cpu
        assert repr(s).startswith("ThreadLocalStream(Device(cpu, 0), ")
        with m.stream(s):
            here = m.default_stream(m.cpu)
        with m.stream(s):  # the same stream again in this thread
            assert m.default_stream(m.cpu) == here
        assert m.add(m.array(1), 2, stream=s).item() == 3
        seen = []

        def use():
            with m.stream(s):
                seen.append(m.default_stream(m.cpu))

        worker = threading.Thread(target=use)
        worker.start()
        worker.join()
        assert seen[0] != here  # another thread gets another stream
        assert type(here).__name__ == "Stream"
