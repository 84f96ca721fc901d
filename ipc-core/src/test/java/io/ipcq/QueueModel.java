package io.ipcq;

import io.ipcq.layout.CounterIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Reference model of one queue, as CONTRACT.md section 1 describes it: plain objects, one thread, no shared memory.
 * {@link QueueModelPropertyTest} drives it and a real queue with the same operations and compares every answer.
 * <p>
 * Time is counted as the queue counts it: ms since the file was created, never below 1. A lease is revoked only
 * by a sweep that finds its deadline at or before now; until then it is live, however late.
 */
final class QueueModel
{
    enum State
    {
        READY, LEASED, REQUEUED, PARKED
    }

    /** What a sweep did, as {@link io.ipcq.ReapResult} counts it. */
    record SweepResult(int expired, int deadLettered, int parked, int requeuedSeen)
    {
    }

    /** Where a released or expired message went. */
    enum Outcome
    {
        REQUEUED, DEAD_LETTERED, PARKED
    }

    static final class Message
    {
        final Ring ring;
        final long position;
        final long id;
        final byte[] payload;
        int deliveries;
        State state = State.READY;
        Handle holder;
        long deadline;

        Message(final Ring ring, final long position, final long id, final byte[] payload, final int deliveries)
        {
            this.ring = ring;
            this.position = position;
            this.id = id;
            this.payload = payload;
            this.deliveries = deliveries;
        }

        int lane()
        {
            return (int)(id >>> 56);
        }
    }

    /** One ring: a lane, or the dead-letter ring. Holds the messages that have not left it, by position. */
    static final class Ring
    {
        final int index;
        final int capacity;
        final boolean deadLetters;
        final TreeMap<Long, Message> live = new TreeMap<>();
        long tail;

        Ring(final int index, final int capacity, final boolean deadLetters)
        {
            this.index = index;
            this.capacity = capacity;
            this.deadLetters = deadLetters;
        }

        /** Capacity counts messages: full when every slot holds one not yet acked. */
        boolean isFull()
        {
            return live.size() >= capacity;
        }

        /**
         * @return the position the next claim gets: producers step over positions whose slot still holds a message
         * (one position per slot, position mod capacity).
         */
        long nextPosition()
        {
            if (isFull())
            {
                return tail;
            }
            long position = tail;
            while (holdsMessage(position))
            {
                position++;
            }
            return position;
        }

        boolean skipsOnNextClaim()
        {
            return nextPosition() != tail;
        }

        private boolean holdsMessage(final long position)
        {
            for (final long held : live.keySet())
            {
                if (((held - position) % capacity) == 0)
                {
                    return true;
                }
            }
            return false;
        }

        Message add(final long id, final byte[] payload, final int deliveries)
        {
            final long position = nextPosition();
            final Message message = new Message(this, position, id, payload, deliveries);
            live.put(position, message);
            tail = position + 1;
            return message;
        }

        /** Redeliveries first (lowest position first), then the oldest never-delivered message. */
        Message nextToLease()
        {
            Message ready = null;
            for (final Message message : live.values())
            {
                if (message.state == State.REQUEUED)
                {
                    return message;
                }
                if (ready == null && message.state == State.READY)
                {
                    ready = message;
                }
            }
            return ready;
        }

        int count(final State state)
        {
            int count = 0;
            for (final Message message : live.values())
            {
                if (message.state == state)
                {
                    count++;
                }
            }
            return count;
        }

        int free()
        {
            return capacity - live.size();
        }
    }

    /** One lease as its holder sees it. */
    static final class Handle
    {
        final Message message;
        final int consumer;
        final int leaseObject;
        final int deliveryCount;
        /** Grant order among all leases of the model: Consumer.close() releases a consumer's leases oldest first. */
        final long granted;
        boolean knownFenced;

        Handle(final Message message, final int consumer, final int leaseObject, final long granted)
        {
            this.message = message;
            this.consumer = consumer;
            this.leaseObject = leaseObject;
            this.deliveryCount = message.deliveries;
            this.granted = granted;
        }

        /** Not acked, released or revoked: the message still names this lease as its holder. */
        boolean isLive()
        {
            return message.holder == this;
        }
    }

    /** A consumer handle: which of its lease objects are in use (a new lease takes the lowest free one). */
    static final class ConsumerModel
    {
        final boolean deadLetters;
        final Handle[] objects;
        int held;
        ReceiveStatus status = ReceiveStatus.EMPTY;

        ConsumerModel(final boolean deadLetters, final int maxHeldLeases)
        {
            this.deadLetters = deadLetters;
            this.objects = new Handle[maxHeldLeases];
        }
    }

    final int maxDeliveries;
    final long leaseTimeoutMs;
    final int maxHeldLeases;
    final Ring[] lanes;
    final Ring deadLetters;
    final List<ConsumerModel> consumers = new ArrayList<>();
    final long[] counters = new long[CounterIndex.COUNTER_COUNT];
    final List<Long> sentIds = new ArrayList<>();
    long elapsedMs;
    boolean sealed;
    /** PARKED messages a sweep has since moved to the dead-letter ring. */
    int parkedMoved;
    /** Leases granted so far (the next Handle's grant order). */
    long grants;

    QueueModel(
        final int lanes,
        final int capacity,
        final int maxDeliveries,
        final int deadLetterCapacity,
        final long leaseTimeoutMs,
        final int maxHeldLeases)
    {
        this.maxDeliveries = maxDeliveries;
        this.leaseTimeoutMs = leaseTimeoutMs;
        this.maxHeldLeases = maxHeldLeases;
        this.lanes = new Ring[lanes];
        for (int lane = 0; lane < lanes; lane++)
        {
            this.lanes[lane] = new Ring(lane, capacity, false);
        }
        this.deadLetters = new Ring(lanes, deadLetterCapacity, true);
    }

    /**
     * @param deadLetters whether it reads the dead-letter ring.
     * @return its index.
     */
    int addConsumer(final boolean deadLetters)
    {
        consumers.add(new ConsumerModel(deadLetters, maxHeldLeases));
        return consumers.size() - 1;
    }

    long now()
    {
        return Math.max(1, elapsedMs);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Producer
    // ---------------------------------------------------------------------------------------------------------

    SendResult send(final int lane, final byte[] payload)
    {
        final SendResult refused = refusal(lane);
        if (refused != null)
        {
            return refused;
        }
        final Ring ring = lanes[lane];
        final long id = ((long)lane << 56) | ring.nextPosition();
        ring.add(id, payload, 0);
        sentIds.add(id);
        counters[CounterIndex.SENT]++;
        return SendResult.OK;
    }

    /** A claim aborted at once: the position is used up and freed, nothing is delivered, nothing counted. */
    SendResult claimAndAbort(final int lane)
    {
        final SendResult refused = refusal(lane);
        if (refused != null)
        {
            return refused;
        }
        lanes[lane].tail = lanes[lane].nextPosition() + 1;
        return SendResult.OK;
    }

    private SendResult refusal(final int lane)
    {
        if (sealed)
        {
            return SendResult.SEALED;
        }
        if (lanes[lane].isFull())
        {
            counters[CounterIndex.REJECTED_FULL]++;
            return SendResult.FULL;
        }
        return null;
    }

    void seal()
    {
        sealed = true;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Consumers
    // ---------------------------------------------------------------------------------------------------------

    boolean isAtMaxLeases(final int consumer)
    {
        final ConsumerModel model = consumers.get(consumer);
        return model.held == model.objects.length;
    }

    /**
     * @param consumer which consumer.
     * @return the lease granted, or null (then {@link #status(int)} says why).
     */
    Handle tryLease(final int consumer)
    {
        final ConsumerModel model = consumers.get(consumer);
        final Ring[] servingOrder = model.deadLetters ? new Ring[]{ deadLetters } : highestLaneFirst();
        for (final Ring ring : servingOrder)
        {
            final Message message = ring.nextToLease();
            if (message != null)
            {
                return grant(model, consumer, message);
            }
        }
        model.status = isEndOfStream() && (!model.deadLetters || deadLetters.live.isEmpty()) ?
            ReceiveStatus.END_OF_STREAM : ReceiveStatus.EMPTY;
        return null;
    }

    private Ring[] highestLaneFirst()
    {
        final Ring[] order = new Ring[lanes.length];
        for (int i = 0; i < lanes.length; i++)
        {
            order[i] = lanes[lanes.length - 1 - i];
        }
        return order;
    }

    private Handle grant(final ConsumerModel model, final int consumer, final Message message)
    {
        int object = 0;
        while (model.objects[object] != null)
        {
            object++;
        }
        message.deliveries++;
        message.state = State.LEASED;
        message.deadline = now() + leaseTimeoutMs;
        final Handle handle = new Handle(message, consumer, object, grants++);
        message.holder = handle;
        model.objects[object] = handle;
        model.held++;
        model.status = ReceiveStatus.LEASED;
        counters[CounterIndex.DELIVERED]++;
        if (message.deliveries > 1)
        {
            counters[CounterIndex.REDELIVERED]++;
        }
        return handle;
    }

    ReceiveStatus status(final int consumer)
    {
        return consumers.get(consumer).status;
    }

    int heldLeases(final int consumer)
    {
        return consumers.get(consumer).held;
    }

    boolean ack(final Handle handle)
    {
        end(handle);
        if (!handle.isLive())
        {
            counters[CounterIndex.FENCED_ACKS]++;
            return false;
        }
        final Message message = handle.message;
        message.holder = null;
        message.ring.live.remove(message.position);
        counters[CounterIndex.ACKED]++;
        return true;
    }

    boolean release(final Handle handle)
    {
        end(handle);
        if (!handle.isLive())
        {
            counters[CounterIndex.FENCED_ACKS]++;
            return false;
        }
        final Message message = handle.message;
        message.holder = null;
        if (giveBack(message) == Outcome.DEAD_LETTERED)
        {
            counters[CounterIndex.DEAD_LETTERED]++;
        }
        counters[CounterIndex.RELEASED]++;
        return true;
    }

    boolean extend(final Handle handle, final long durationMs)
    {
        if (!handle.knownFenced && handle.isLive())
        {
            handle.message.deadline = now() + durationMs;
            return true;
        }
        handle.knownFenced = true;
        counters[CounterIndex.FENCED_ACKS]++;
        return false;
    }

    /** Lease.close(): a release, unless an extend already found the lease fenced (then it just ends). */
    void close(final Handle handle)
    {
        if (handle.knownFenced)
        {
            end(handle);
            return;
        }
        release(handle);
    }

    /**
     * Consumer.close(): closes every lease it holds, oldest granted first; the caller then attaches a fresh consumer
     * in its place.
     *
     * @param consumer which.
     * @return the leases it closed.
     */
    List<Handle> closeConsumer(final int consumer)
    {
        final ConsumerModel model = consumers.get(consumer);
        final List<Handle> closed = new ArrayList<>();
        final List<Handle> held = new ArrayList<>();
        for (final Handle handle : model.objects)
        {
            if (handle != null)
            {
                held.add(handle);
            }
        }
        held.sort(java.util.Comparator.comparingLong(handle -> handle.granted));
        for (final Handle handle : held)
        {
            close(handle);
            closed.add(handle);
        }
        consumers.set(consumer, new ConsumerModel(model.deadLetters, maxHeldLeases));
        return closed;
    }

    private void end(final Handle handle)
    {
        final ConsumerModel model = consumers.get(handle.consumer);
        if (model.objects[handle.leaseObject] != handle)
        {
            throw new IllegalStateException("model: lease already ended");
        }
        model.objects[handle.leaseObject] = null;
        model.held--;
    }

    /** REQUEUED, or to the dead-letter ring after max deliveries (dead letters themselves are only requeued). */
    private Outcome giveBack(final Message message)
    {
        if (!message.ring.deadLetters && message.deliveries >= maxDeliveries)
        {
            return moveToDeadLetters(message);
        }
        message.state = State.REQUEUED;
        return Outcome.REQUEUED;
    }

    private Outcome moveToDeadLetters(final Message message)
    {
        if (deadLetters.isFull())
        {
            message.state = State.PARKED;
            return Outcome.PARKED;
        }
        message.ring.live.remove(message.position);
        deadLetters.add(message.id, message.payload, message.deliveries);
        return Outcome.DEAD_LETTERED;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Time and sweeps
    // ---------------------------------------------------------------------------------------------------------

    void advance(final long ms)
    {
        elapsedMs += ms;
    }

    /**
     * One pass, lanes in index order then the dead-letter ring, each in position order: leases whose deadline is
     * not after now are revoked and given back, PARKED messages try the dead-letter ring again.
     *
     * @return what it did.
     */
    SweepResult sweep()
    {
        final int[] totals = new int[4];
        for (final Ring ring : lanes)
        {
            sweep(ring, totals);
        }
        sweep(deadLetters, totals);
        counters[CounterIndex.EXPIRED] += totals[0];
        counters[CounterIndex.DEAD_LETTERED] += totals[1];
        return new SweepResult(totals[0], totals[1], totals[2], totals[3]);
    }

    private void sweep(final Ring ring, final int[] totals)
    {
        final long now = now();
        for (final Message message : new ArrayList<>(ring.live.values()))
        {
            switch (message.state)
            {
                case LEASED:
                    if (message.deadline <= now)
                    {
                        message.holder = null;
                        totals[0]++;
                        tally(giveBack(message), totals);
                    }
                    break;

                case PARKED:
                    final Outcome outcome = moveToDeadLetters(message);
                    if (outcome == Outcome.DEAD_LETTERED)
                    {
                        parkedMoved++;
                    }
                    tally(outcome, totals);
                    break;

                case REQUEUED:
                    totals[3]++;
                    break;

                default:
                    break;
            }
        }
    }

    private static void tally(final Outcome outcome, final int[] totals)
    {
        if (outcome == Outcome.DEAD_LETTERED)
        {
            totals[1]++;
        }
        else if (outcome == Outcome.PARKED)
        {
            totals[2]++;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Observations
    // ---------------------------------------------------------------------------------------------------------

    /** Sealed, and every message sent has left its lane (acked or dead-lettered). */
    boolean isEndOfStream()
    {
        if (!sealed)
        {
            return false;
        }
        for (final Ring ring : lanes)
        {
            if (!ring.live.isEmpty())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param ring a lane or the dead-letter ring.
     * @return free, ready, leased, requeued, parked: the slot counts {@link QueueStats.LaneStats} reports.
     */
    static String slotCounts(final Ring ring)
    {
        return slotCounts(ring.free(), ring.count(State.READY), ring.count(State.LEASED), ring.count(State.REQUEUED),
            ring.count(State.PARKED), ring.tail);
    }

    static String slotCounts(
        final int free, final int ready, final int leased, final int requeued, final int parked, final long tail)
    {
        return "free=" + free + " ready=" + ready + " leased=" + leased + " requeued=" + requeued +
            " parked=" + parked + " tail=" + tail;
    }

    static String counters(final long[] counters)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < counters.length; i++)
        {
            text.append(i == 0 ? "" : " ").append(CounterIndex.name(i)).append('=').append(counters[i]);
        }
        return text.toString();
    }

    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder("model{now=" + now() + ", sealed=" + sealed);
        for (final Ring ring : lanes)
        {
            text.append(", lane ").append(ring.index).append(": ").append(describe(ring));
        }
        text.append(", dead letters: ").append(describe(deadLetters));
        return text.append('}').toString();
    }

    private static String describe(final Ring ring)
    {
        final List<String> messages = new ArrayList<>();
        for (final Message message : ring.live.values())
        {
            messages.add(message.position + ":" + message.state + "x" + message.deliveries);
        }
        return Arrays.toString(messages.toArray());
    }
}
