"""The bus contract, run against the in-process bus and against Redis.

Every Redis test gets its own channel namespace: pub/sub ignores the database number, so the
namespace is what keeps concurrent runs apart.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from festival.bus import (
    GAP,
    QUEUE_SIZE,
    Bus,
    BusClosed,
    BusUnavailable,
    InProcessBus,
    Message,
    SubscriberTooSlow,
    Subscription,
    channel_topic,
    make_bus,
)
from festival.bus.redis import RedisBus
from tests.conftest import REDIS_URL, need_redis

TIMEOUT = 5

MakeBus = Callable[..., Bus]


@pytest.fixture
def namespace() -> str:
    return f"festival-test-{uuid.uuid4().hex}:"


@pytest.fixture(params=["in_process", pytest.param("redis", marks=pytest.mark.redis)])
def new_bus(request: pytest.FixtureRequest, namespace: str) -> MakeBus:
    """Builds unstarted buses of one kind; Redis ones share the test's namespace."""
    if request.param == "redis":
        need_redis()

        def redis_bus(queue_size: int = QUEUE_SIZE) -> Bus:
            return RedisBus(REDIS_URL, namespace=namespace, queue_size=queue_size)

        return redis_bus

    def in_process_bus(queue_size: int = QUEUE_SIZE) -> Bus:
        return InProcessBus(queue_size=queue_size)

    return in_process_bus


@pytest.fixture
async def bus(new_bus: MakeBus) -> AsyncIterator[Bus]:
    async with new_bus() as started:
        yield started


@pytest.fixture
def redis_bus(namespace: str) -> Callable[[], RedisBus]:
    need_redis()
    return lambda: RedisBus(REDIS_URL, namespace=namespace)


async def receive(subscription: Subscription) -> Message:
    return await asyncio.wait_for(subscription.get(), timeout=TIMEOUT)


async def receive_n(subscription: Subscription, count: int) -> list[Message]:
    return [await receive(subscription) for _ in range(count)]


def numbered(count: int, **extra: object) -> list[dict[str, object]]:
    return [{"type": "event", "seq": seq, **extra} for seq in range(1, count + 1)]


# --- the contract, for both ------------------------------------------------------------------


async def test_publish_subscribe_delivers_in_order(bus: Bus) -> None:
    messages = numbered(50, text="vraag ✓")
    async with bus.subscribe(["plenary"]) as subscription:
        for message in messages:
            await bus.publish("plenary", message)

        assert await receive_n(subscription, 50) == messages


async def test_publish_several_subscribers_each_get_every_message(bus: Bus) -> None:
    messages = numbered(10)
    async with (
        bus.subscribe("plenary") as first,
        bus.subscribe("plenary") as second,
        bus.subscribe("plenary") as third,
    ):
        for message in messages:
            await bus.publish("plenary", message)

        assert [await receive_n(s, 10) for s in (first, second, third)] == [messages] * 3


async def test_publish_topics_are_separate(bus: Bus) -> None:
    async with (
        bus.subscribe("plenary") as plenary,
        bus.subscribe("show") as show,
        bus.subscribe(["plenary", "show"]) as both,
    ):
        await bus.publish("plenary", {"n": 1})
        await bus.publish("show", {"n": 2})
        await bus.publish("plenary", {"n": 3})

        assert await receive_n(plenary, 2) == [{"n": 1}, {"n": 3}]
        assert await receive_n(show, 1) == [{"n": 2}]
        assert await receive_n(both, 3) == [{"n": 1}, {"n": 2}, {"n": 3}]


async def test_subscribe_leaving_the_context_stops_delivery(bus: Bus) -> None:
    async with bus.subscribe("plenary") as staying:
        async with bus.subscribe("plenary") as leaving:
            pass
        await bus.publish("plenary", {"n": 1})

        assert await receive(staying) == {"n": 1}
        assert [message async for message in leaving] == []
        with pytest.raises(BusClosed):
            await leaving.get()


async def test_subscribe_again_after_everyone_left_receives(bus: Bus) -> None:
    # Unsubscribing and resubscribing the same topic must not lose the new subscription.
    received = []
    for n in range(5):
        async with bus.subscribe("plenary") as subscription:
            await bus.publish("plenary", {"n": n})
            received.append(await receive(subscription))

    assert received == [{"n": n} for n in range(5)]


async def test_publish_slow_subscriber_is_dropped_fast_one_gets_everything(
    new_bus: MakeBus,
) -> None:
    messages = numbered(20)
    async with (
        new_bus(queue_size=5) as bus,
        bus.subscribe("plenary") as slow,
        bus.subscribe("plenary") as fast,
    ):
        received = []
        for message in messages:
            await bus.publish("plenary", message)
            received.append(await receive(fast))

        assert received == messages
        assert slow.overflowed
        with pytest.raises(SubscriberTooSlow):
            await receive(slow)
        with pytest.raises(SubscriberTooSlow):
            [message async for message in slow]


async def test_publish_refuses_what_is_not_json_and_sends_nothing(bus: Bus) -> None:
    async with bus.subscribe("plenary") as subscription:
        with pytest.raises(TypeError):
            await bus.publish("plenary", {"at": datetime(2020, 11, 19, 13, 30, tzinfo=UTC)})
        with pytest.raises(ValueError, match="not JSON compliant"):
            await bus.publish("plenary", {"score": float("nan")})
        await bus.publish("plenary", {"n": 1})

        assert await receive(subscription) == {"n": 1}


async def test_close_ends_open_subscriptions_and_refuses_use(new_bus: MakeBus) -> None:
    bus = new_bus()
    await bus.start()
    async with bus.subscribe("plenary") as subscription:
        await bus.close()

        assert [message async for message in subscription] == []
    with pytest.raises(BusClosed):
        await bus.publish("plenary", {"n": 1})
    with pytest.raises(BusClosed):
        async with bus.subscribe("plenary"):
            pass
    await bus.close()  # twice is fine


async def test_use_before_start_is_refused(new_bus: MakeBus) -> None:
    bus = new_bus()

    with pytest.raises(RuntimeError, match="start the bus"):
        await bus.publish("plenary", {"n": 1})


# --- Redis only ------------------------------------------------------------------------------


@pytest.mark.redis
async def test_redis_two_instances_see_each_others_messages_in_order(
    redis_bus: Callable[[], RedisBus],
) -> None:
    from_a = numbered(20, by="a")
    from_b = numbered(20, by="b")
    async with (
        redis_bus() as a,
        redis_bus() as b,
        a.subscribe("plenary") as on_a,
        b.subscribe("plenary") as on_b,
    ):
        for message in from_a:
            await a.publish("plenary", message)
        for message in from_b:
            await b.publish("plenary", message)

        assert await receive_n(on_a, 40) == from_a + from_b
        assert await receive_n(on_b, 40) == from_a + from_b


@pytest.mark.redis
async def test_redis_namespaces_keep_buses_apart(redis_bus: Callable[[], RedisBus]) -> None:
    async with (
        redis_bus() as ours,
        RedisBus(REDIS_URL, namespace=f"festival-test-{uuid.uuid4().hex}:") as theirs,
        ours.subscribe("plenary") as subscription,
    ):
        await theirs.publish("plenary", {"from": "theirs"})
        await ours.publish("plenary", {"from": "ours"})

        assert await receive(subscription) == {"from": "ours"}


@pytest.mark.redis
async def test_redis_lost_connection_sends_gap_then_delivers_again(
    redis_bus: Callable[[], RedisBus],
) -> None:
    admin = aioredis.Redis.from_url(REDIS_URL)
    try:
        async with redis_bus() as bus, bus.subscribe("plenary") as subscription:
            await kill_listener(admin, bus)

            assert await receive(subscription) == {"type": GAP}
            await bus.publish("plenary", {"n": 1})
            assert await receive(subscription) == {"n": 1}
            assert bus.reconnects == 1
    finally:
        await admin.aclose()


async def kill_listener(admin: aioredis.Redis, bus: RedisBus) -> None:
    """Cut the bus's pub/sub connection, as a Redis restart would."""
    clients = await admin.client_list()
    listeners = [c["id"] for c in clients if c["name"] == bus.client_name and int(c["sub"]) > 0]
    assert len(listeners) == 1
    await admin.client_kill_filter(_id=listeners[0])


@pytest.mark.redis
async def test_redis_close_leaves_no_connection_or_task(
    redis_bus: Callable[[], RedisBus],
) -> None:
    admin = aioredis.Redis.from_url(REDIS_URL)
    try:
        bus = redis_bus()
        async with bus, bus.subscribe("plenary") as subscription:
            await bus.publish("plenary", {"n": 1})
            assert await receive(subscription) == {"n": 1}

        names = [c["name"] for c in await admin.client_list()]
        tasks = [t.get_name() for t in asyncio.all_tasks()]
        assert [n for n in names + tasks if n.startswith(bus.client_name)] == []
    finally:
        await admin.aclose()


async def test_redis_start_fails_when_redis_is_unreachable() -> None:
    bus = RedisBus("redis://user:secret@127.0.0.1:1/0")

    with pytest.raises(BusUnavailable, match=r"127\.0\.0\.1:1") as raised:
        await bus.start()
    assert "secret" not in str(raised.value)


# --- names and construction ------------------------------------------------------------------


def test_topics_name_a_festival_and_its_channel() -> None:
    assert channel_topic("agenda-sociaal-werk-2020", "plenary") == (
        "channel.agenda-sociaal-werk-2020.plenary"
    )
    assert channel_topic("agenda-sociaal-werk-2020", "huiskamer-1") == (
        "channel.agenda-sociaal-werk-2020.huiskamer-1"
    )


@pytest.mark.parametrize("bad", ["", "a.b", "Plenary", "-x", "a b"])
def test_topics_refuse_parts_that_are_not_ids(bad: str) -> None:
    with pytest.raises(ValueError, match="topic part"):
        channel_topic("festival", bad)


def test_make_bus_picks_the_implementation() -> None:
    assert isinstance(make_bus(""), InProcessBus)
    assert isinstance(make_bus("redis://127.0.0.1:6379/0"), RedisBus)
    with pytest.raises(ValueError, match="'http'"):
        make_bus("http://user:secret@example.org")


def test_the_bus_without_a_broker_never_loads_redis() -> None:
    # Only festival.bus.redis imports redis, and make_bus loads it for a broker URL only.
    code = "import sys, festival.bus; festival.bus.make_bus(''); print('redis' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
