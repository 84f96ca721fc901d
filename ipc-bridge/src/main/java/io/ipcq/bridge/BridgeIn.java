package io.ipcq.bridge;

import io.ipcq.BridgeCounters;
import io.ipcq.IpcQueue;
import io.ipcq.Producer;
import io.ipcq.SendResult;
import io.ipcq.layout.SlotDescriptor;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@code ipcq bridge in}: pulls messages from JetStream (one durable pull consumer per lane, filtered on the lane's
 * subject, higher lanes first: see {@link #step()}), sends each into the local queue with its origin id, and acks it to
 * JetStream only after the local commit. A full local lane is answered with {@code inProgress} (JetStream's ack wait
 * starts again), never NAK, and the message is sent again until it fits. Rows I1..I3 of docs/bridge.md. One thread.
 */
public final class BridgeIn implements AutoCloseable
{
    /** Higher lanes are asked with this wait; the lowest, once every higher one was empty, with {@link #IDLE_WAIT}. */
    private static final Duration POLL_WAIT = Duration.ofMillis(1);
    private static final Duration IDLE_WAIT = Duration.ofMillis(50);
    /**
     * A lane JetStream says has messages for us is asked for at most that many with this wait (at most a sixth of the
     * ack wait, so a pull never outlasts the cadence of {@link #keepHeld}): the pull returns as soon as they came,
     * and the wait is spent only if the count was stale (another client took them).
     */
    private static final Duration MAX_PENDING_WAIT = Duration.ofMillis(250);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(2);

    private final IpcQueue queue;
    private final BridgeSettings settings;
    private final NatsLink link;
    private final Producer producer;
    private final BridgeCounters counters;
    private final JetStreamSubscription[] subscriptions;
    private final ArrayDeque<Held>[] held;
    /**
     * Per lane: messages JetStream has not yet delivered to us (its consumer's num_pending), as last heard: from the
     * consumer's info at start, then from each delivered message's metadata, and from the consumer's info again when
     * a pull comes back empty although some were pending. Redeliveries are not in it.
     */
    private final long[] pending;
    /** Per lane: when {@link #recoverStranded} last asked the server (nanoTime), so it asks once per ack wait. */
    private final long[] strandedCheckedNs;
    private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
    private final long progressEveryNs;
    private final Duration pendingWait;
    private final IdleStrategy idle = new BackoffIdleStrategy(10, 10, 1_000, 1_000_000);
    private int heldCount;

    /**
     * Checks the stream (creating it if allowed and missing), makes or checks the durable consumers, and attaches a
     * bridge-in producer to the queue.
     *
     * @param queue the local queue.
     * @param link  the connection.
     * @throws BridgeException if the stream or a consumer cannot serve the queue.
     */
    @SuppressWarnings("unchecked")
    public BridgeIn(final IpcQueue queue, final NatsLink link)
    {
        this.queue = queue;
        this.link = link;
        this.settings = link.settings();
        link.ensureStream(queue, false);
        this.subscriptions = new JetStreamSubscription[queue.lanes()];
        this.held = new ArrayDeque[queue.lanes()];
        this.pending = new long[queue.lanes()];
        this.strandedCheckedNs = new long[queue.lanes()];
        for (int lane = 0; lane < subscriptions.length; lane++)
        {
            subscriptions[lane] = subscribe(lane);
            held[lane] = new ArrayDeque<>();
        }
        this.progressEveryNs = settings.ackWait().toNanos() / 3;
        final long now = System.nanoTime();
        java.util.Arrays.fill(strandedCheckedNs, now - settings.ackWait().toNanos());
        final Duration sixthOfAckWait = settings.ackWait().dividedBy(6);
        this.pendingWait = sixthOfAckWait.compareTo(MAX_PENDING_WAIT) < 0 ? sixthOfAckWait : MAX_PENDING_WAIT;
        this.producer = queue.bridgeInProducer();
        this.counters = producer.bridgeCounters();
    }

    /**
     * @param lane a lane of the local queue.
     * @return the durable consumer's name for it.
     */
    public static String consumerName(final BridgeSettings settings, final int lane)
    {
        return settings.consumerName() + "-lane-" + lane;
    }

    private JetStreamSubscription subscribe(final int lane)
    {
        final String stream = settings.stream();
        final String name = consumerName(settings, lane);
        final String subject = settings.subject(lane);
        final String where = "consumer " + name + " of stream " + stream + " on " + settings.printableUrl();
        try
        {
            ConsumerInfo info;
            try
            {
                info = link.management().getConsumerInfo(stream, name);
            }
            catch (final JetStreamApiException ex)
            {
                if (ex.getErrorCode() != 404)
                {
                    throw ex;
                }
                info = link.management().addOrUpdateConsumer(stream, ConsumerConfiguration.builder()
                    .durable(name)
                    .filterSubject(subject)
                    .deliverPolicy(DeliverPolicy.All)
                    .ackPolicy(AckPolicy.Explicit)
                    .ackWait(settings.ackWait())
                    // Unlimited: JetStream redelivers to a bridge only after the bridge died or lost an ack, never
                    // because a consumer failed on the message; poison is judged in the local queue (docs/bridge.md).
                    .maxDeliver(-1)
                    .maxAckPending(Math.max(1_000, 4L * settings.pullBatch()))
                    .build());
            }
            final ConsumerConfiguration config = info.getConsumerConfiguration();
            if (config.getAckPolicy() != AckPolicy.Explicit)
            {
                throw new BridgeException(where + " acks " + config.getAckPolicy() + ", not explicit: a message " +
                    "would leave JetStream before it is committed here");
            }
            if (config.getMaxDeliver() > 0)
            {
                throw new BridgeException(where + " stops redelivering after " + config.getMaxDeliver() +
                    " deliveries: a message still unacked then would stay in the stream, never delivered (use " +
                    "max deliver -1: the local queue's dead-letter ring judges poison)");
            }
            if (config.getFilterSubject() != null && !config.getFilterSubject().equals(subject))
            {
                throw new BridgeException(where + " filters " + config.getFilterSubject() + ", not " + subject +
                    " (lane " + lane + ")");
            }
            pending[lane] = info.getNumPending();
            return link.jetStream().subscribe(subject, PullSubscribeOptions.bind(stream, name));
        }
        catch (final JetStreamApiException ex)
        {
            throw new BridgeException("cannot use " + where + ": " + ex.getErrorDescription(), ex);
        }
        catch (final IOException ex)
        {
            throw new BridgeException("cannot use " + where + ": " + NatsLink.describe(ex), ex);
        }
    }

    /**
     * Carries messages until {@code stop} says so. Messages pulled but not yet committed are left to JetStream's ack
     * wait (redelivered to the next bridge), never NAKed.
     *
     * @param stop polled between steps.
     * @throws BridgeException if a message cannot ever go into the local queue (too long, or the queue is sealed).
     */
    public void run(final BooleanSupplier stop)
    {
        while (!stop.getAsBoolean())
        {
            idle.idle(step());
        }
    }

    /**
     * Highest lane first. Every lane with room in its hold (fewer than a batch held) is pulled for, whatever its rank:
     * what JetStream delivered is then held here and kept alive by {@link #keepHeld}, never left in the client's
     * buffer past its ack wait. A lane's held messages are committed only if no higher lane had work in this step: a
     * higher lane that committed something, or one JetStream still has messages pending for although the pull came
     * back empty ({@link #pending}: the pull was too short, the next step asks again). A lane whose messages do not
     * fit locally (full) has no work, so it does not stop the lanes below it. docs/bridge.md "Lanes map to subjects".
     */
    private int step()
    {
        keepHeld();
        int work = 0;
        boolean higherHadWork = false;
        for (int lane = subscriptions.length - 1; lane >= 0; lane--)
        {
            final ArrayDeque<Held> waiting = held[lane];
            final int room = settings.pullBatch() - waiting.size();
            if (room > 0)
            {
                final boolean idle = lane == 0 && heldCount == 0 && !higherHadWork;
                final List<Message> pulled = pull(lane, room, idle);
                for (final Message message : pulled)
                {
                    if (BridgeCrashPoint.ENABLED)
                    {
                        BridgeCrashPoint.IN_AFTER_FETCH.reached();
                    }
                    waiting.add(new Held(message, System.nanoTime()));
                    heldCount++;
                    pending[lane] = message.metaData().pendingCount();
                }
                if (waiting.isEmpty() && pending[lane] > 0 && refreshPending(lane) > 0)
                {
                    higherHadWork = true;
                    continue;
                }
                if (waiting.isEmpty() && pulled.isEmpty() && !higherHadWork)
                {
                    final int recovered = recoverStranded(lane);
                    if (recovered > 0)
                    {
                        work += recovered;
                        higherHadWork = true;
                        continue;
                    }
                }
            }
            if (!waiting.isEmpty() && !higherHadWork)
            {
                final int committed = commit(lane, waiting);
                if (committed > 0)
                {
                    flushAcks();
                    work += committed;
                    higherHadWork = true;
                }
            }
        }
        counters.inFlight(heldCount);
        return work;
    }

    /**
     * Every message held (pulled, not yet committed: its lane is full locally, or a higher lane keeps the steps busy)
     * gets {@code inProgress} once a third of the ack wait passed since it was pulled or last told: JetStream's ack
     * wait starts again, so it is not redelivered while it waits here. Never NAK (it would count a delivery and come
     * back at once, to a lane that is still full).
     */
    private void keepHeld()
    {
        if (heldCount == 0)
        {
            return;
        }
        final long now = System.nanoTime();
        for (final ArrayDeque<Held> waiting : held)
        {
            for (final Held one : waiting)
            {
                if (now - one.touchedNs >= progressEveryNs)
                {
                    one.message.inProgress();
                    one.touchedNs = now;
                }
            }
        }
    }

    /**
     * @return the lane's pending count as JetStream's consumer info says now; on any failure, what was known (asked
     * again next step).
     */
    private long refreshPending(final int lane)
    {
        try
        {
            pending[lane] = link.management().getConsumerInfo(settings.stream(), consumerName(settings, lane))
                .getNumPending();
        }
        catch (final IOException | JetStreamApiException | RuntimeException ex)
        {
            // Disconnected or restarting: keep the count, the next step asks again.
        }
        return pending[lane];
    }

    /**
     * One round trip per batch (not per message): once the server has answered, it has read every ack sent before, so
     * a crash re-commits at most the batch being committed (row I2 of docs/bridge.md). Acks still in the client's
     * buffer when the process dies are lost with it; their messages come back after the ack wait, as duplicates.
     */
    private void flushAcks()
    {
        try
        {
            link.connection().flush(FLUSH_TIMEOUT);
        }
        catch (final java.util.concurrent.TimeoutException | RuntimeException ex)
        {
            // Disconnected: the acks wait in jnats' reconnect buffer; at worst their messages come back as duplicates.
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param room at most this many are asked for.
     * @param idle nothing is held and no higher lane had work: the pull may wait {@link #IDLE_WAIT}.
     * @return what one pull for the lane brought: at most what JetStream said was pending (so the pull returns as
     * soon as they came), or, with none pending, what came within a short wait ({@link #POLL_WAIT}; the lowest lane,
     * when the bridge is idle, {@link #IDLE_WAIT}: the bridge's idle pace).
     */
    private List<Message> pull(final int lane, final int room, final boolean idle)
    {
        final long known = pending[lane];
        final int batch = known > 0 ? (int)Math.min(room, known) : room;
        final Duration wait = known > 0 ? pendingWait : idle ? IDLE_WAIT : POLL_WAIT;
        try
        {
            return subscriptions[lane].fetch(batch, wait);
        }
        catch (final RuntimeException ex)
        {
            // A lost connection (jnats reconnects by itself) or a server restarting: ask again next round.
            return List.of();
        }
    }

    private int commit(final int lane, final ArrayDeque<Held> waiting)
    {
        int work = 0;
        Held next;
        while ((next = waiting.peek()) != null)
        {
            final Message message = next.message;
            final SendResult result = sendLocally(lane, message.getData(),
                message.hasHeaders() ? message.getHeaders() : null, message.metaData().streamSequence(),
                message.getSubject());
            if (result == SendResult.FULL)
            {
                // Keep it ours: keepHeld tells JetStream it is in progress until it fits; no NAK.
                return work;
            }
            counters.addPublished(1);
            if (message.metaData().deliveredCount() > 1)
            {
                counters.addDuplicates(1);
            }
            if (BridgeCrashPoint.ENABLED)
            {
                BridgeCrashPoint.IN_AFTER_COMMIT.reached();
            }
            message.ack();
            counters.addConfirmed(1);
            if (BridgeCrashPoint.ENABLED)
            {
                BridgeCrashPoint.IN_AFTER_ACK.reached();
            }
            waiting.poll();
            heldCount--;
            work++;
        }
        return work;
    }

    /**
     * Sends one JetStream message into the lane with its origin id (the header {@link MessageIdentity#ORIGIN_ID}).
     *
     * @return {@link SendResult#OK} or {@link SendResult#FULL}.
     * @throws BridgeException if it can never go in: longer than the queue's max payload, or the queue is sealed.
     */
    private SendResult sendLocally(
        final int lane, final byte[] data, final Headers headers, final long streamSequence, final String subject)
    {
        final int length = data == null ? 0 : data.length;
        if (length > queue.maxPayloadLength())
        {
            throw new BridgeException("message " + streamSequence + " of stream " + settings.stream() + " (" +
                subject + ") is " + length + " bytes: " + queue.path() + " takes at most " +
                queue.maxPayloadLength() + " (left in the stream)");
        }
        final long originId = headers == null ? SlotDescriptor.NO_ORIGIN :
            MessageIdentity.parseOriginId(headers.getFirst(MessageIdentity.ORIGIN_ID));
        final long enqueuedEpochMs = headers == null ? SlotDescriptor.UNKNOWN_ENQUEUE_TIME :
            MessageIdentity.parseEnqueuedMs(headers.getFirst(MessageIdentity.ENQUEUED_MS));
        if (length > 0)
        {
            payload.wrap(data);
        }
        final SendResult result = producer.trySend(lane, payload, 0, length, originId, enqueuedEpochMs);
        if (result == SendResult.SEALED)
        {
            throw new BridgeException(queue.path() + " is sealed: it takes no more messages (" + heldCount +
                " pulled messages left to JetStream's ack wait)");
        }
        return result;
    }

    /**
     * Messages left in the stream that the lane's consumer will never deliver again: at most once per ack wait, when
     * the lane is idle here (nothing held, the pull came back empty) and the server's consumer has nothing pending
     * and nothing awaiting an ack, every message still on the lane's subject at or below the consumer's ack floor.
     * A work-queue stream removes a message when its ack is processed, so none should be there; nats-server 2.9 was
     * seen keeping some after a restart (acked ones, or ones its consumer state had passed without delivering: the
     * two-host test lost 492 of 21,000 that way). Each is sent here (with its origin id: a possible duplicate, counted
     * as one), then deleted from the stream; a full lane stops the round (the next one goes on). docs/bridge.md,
     * row I4.
     *
     * @return how many were sent into the queue.
     */
    private int recoverStranded(final int lane)
    {
        final long now = System.nanoTime();
        if (now - strandedCheckedNs[lane] < settings.ackWait().toNanos())
        {
            return 0;
        }
        strandedCheckedNs[lane] = now;
        final String stream = settings.stream();
        final String subject = settings.subject(lane);
        int recovered = 0;
        try
        {
            final ConsumerInfo info = link.management().getConsumerInfo(stream, consumerName(settings, lane));
            pending[lane] = info.getNumPending();
            if (info.getNumPending() > 0 || info.getNumAckPending() > 0 || info.getAckFloor() == null)
            {
                return 0;
            }
            // Nothing awaits an ack: every delivered message was acked, so what is left up to the last delivered one
            // (normally the ack floor itself) is stranded.
            final long floor = Math.max(info.getAckFloor().getStreamSequence(),
                info.getDelivered() == null ? 0 : info.getDelivered().getStreamSequence());
            long sequence = 1;
            while (sequence <= floor)
            {
                final MessageInfo stranded;
                try
                {
                    stranded = link.management().getNextMessage(stream, sequence, subject);
                }
                catch (final JetStreamApiException ex)
                {
                    break; // no message on the subject at or after the sequence
                }
                if (stranded == null || !stranded.isMessage() || stranded.getSeq() > floor)
                {
                    break;
                }
                if (sendLocally(lane, stranded.getData(), stranded.getHeaders(), stranded.getSeq(), subject) ==
                    SendResult.FULL)
                {
                    break;
                }
                counters.addPublished(1);
                counters.addDuplicates(1);
                recovered++;
                link.management().deleteMessage(stream, stranded.getSeq(), false);
                counters.addConfirmed(1);
                sequence = stranded.getSeq() + 1;
            }
        }
        catch (final BridgeException ex)
        {
            throw ex;
        }
        catch (final IOException | JetStreamApiException | RuntimeException ex)
        {
            // Disconnected or restarting (jnats throws IllegalStateException then): asked again after the next ack
            // wait.
        }
        finally
        {
            if (recovered > 0)
            {
                // Rare and worth an operator's eye: the server kept messages its consumer had passed.
                System.err.println("ipcq bridge in: " + recovered + " message(s) left in stream " + stream + " on " +
                    subject + " below its consumer's ack floor went into " + queue.path() + " (possible duplicates)");
            }
        }
        return recovered;
    }

    /**
     * @return the bridge words of this bridge's participant row (what {@code ipcq inspect} shows).
     */
    public BridgeCounters counters()
    {
        return counters;
    }

    /**
     * Detaches the producer and unsubscribes (the durable consumers stay on the server, with what they hold).
     */
    @Override
    public void close()
    {
        producer.close();
        for (final JetStreamSubscription subscription : subscriptions)
        {
            try
            {
                subscription.unsubscribe();
            }
            catch (final RuntimeException ignore)
            {
                // the connection may be gone
            }
        }
    }

    private static final class Held
    {
        final Message message;
        long touchedNs;

        Held(final Message message, final long touchedNs)
        {
            this.message = message;
            this.touchedNs = touchedNs;
        }
    }
}
