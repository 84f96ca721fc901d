package io.ipcq.bridge;

import io.ipcq.BridgeCounters;
import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.layout.SlotDescriptor;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;

/**
 * {@code ipcq bridge out}: leases messages from a local queue, publishes each to JetStream (async, at most the publish
 * window awaiting an answer), and acks the local lease only once JetStream has confirmed it (stored, or already stored:
 * a duplicate). While unconfirmed, each lease is extended, never released (a release would count towards the
 * message's max deliveries). A full stream (discard new) is back-pressure: the message is published again later, its
 * lease held. Rows O1..O4 of docs/bridge.md. One thread: the lease handles are used by the thread that calls
 * {@link #run(BooleanSupplier)} alone; jnats completes the futures on its threads, this thread reads them.
 */
public final class BridgeOut implements AutoCloseable
{
    /** How long to wait before publishing again after a failed publish, at first and at most. */
    private static final long FIRST_RETRY_NS = 2_000_000L;
    private static final long MAX_RETRY_NS = 500_000_000L;
    /** On stop: how long to wait for the answers to publishes already made, so their leases are acked (within the CLI's 2 s grace after SIGTERM). */
    private static final long DRAIN_NS = 1_500_000_000L;

    private final IpcQueue queue;
    private final BridgeSettings settings;
    private final JetStream jetStream;
    private final Consumer consumer;
    private final BridgeCounters counters;
    private final String queueIdentity;
    private final String[] subjects;
    private final InFlight[] inFlight;
    private final Duration leaseLength;
    private final long extendBeforeMs;
    private final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
    private int count;
    private long nextExtendCheckMs;

    /**
     * Checks the stream (creating it if allowed and missing) and attaches a bridge-out consumer to the queue.
     *
     * @param queue the local queue.
     * @param link  the connection.
     * @throws BridgeException if the stream is missing or cannot hold the queue's messages.
     */
    public BridgeOut(final IpcQueue queue, final NatsLink link)
    {
        this.queue = queue;
        this.settings = link.settings();
        this.jetStream = link.jetStream();
        link.ensureStream(queue, true);
        this.queueIdentity = MessageIdentity.queueIdentity(queue);
        this.subjects = new String[queue.lanes()];
        for (int lane = 0; lane < subjects.length; lane++)
        {
            subjects[lane] = settings.subject(lane);
        }
        this.inFlight = new InFlight[settings.publishWindow()];
        for (int i = 0; i < inFlight.length; i++)
        {
            inFlight[i] = new InFlight();
        }
        this.leaseLength = queue.leaseTimeout();
        this.extendBeforeMs = Math.max(1, leaseLength.toMillis() / 2);
        this.consumer = queue.bridgeOutConsumer(settings.publishWindow());
        this.counters = consumer.bridgeCounters();
    }

    /**
     * Carries messages until {@code stop} says so, then waits (a bounded time) for the answers to what is in flight.
     *
     * @param stop polled between steps.
     * @throws BridgeException if JetStream refuses a message for good (e.g. the stream was changed to refuse it).
     */
    public void run(final BooleanSupplier stop)
    {
        while (!stop.getAsBoolean())
        {
            final int work = leaseAndPublish() + completeAndRetry() + extendIfDue();
            idle.idle(work);
        }
        final long drainUntil = System.nanoTime() + DRAIN_NS;
        while (count > 0 && System.nanoTime() - drainUntil < 0)
        {
            idle.idle(completeAndRetry() + extendIfDue());
        }
    }

    /**
     * @return messages leased and not yet confirmed.
     */
    public int inFlight()
    {
        return count;
    }

    private int leaseAndPublish()
    {
        int work = 0;
        while (count < inFlight.length)
        {
            final Lease lease = consumer.tryLease();
            if (lease == null)
            {
                break;
            }
            if (BridgeCrashPoint.ENABLED)
            {
                BridgeCrashPoint.OUT_AFTER_LEASE.reached();
            }
            final InFlight entry = inFlight[count++];
            entry.take(lease, queueIdentity, subjects[lease.lane()], settings.stream());
            publish(entry);
            work++;
        }
        counters.inFlight(count);
        return work;
    }

    private void publish(final InFlight entry)
    {
        try
        {
            entry.future = jetStream.publishAsync(entry.subject, entry.headers, entry.data, entry.options);
        }
        catch (final RuntimeException ex)
        {
            // jnats refuses at once while its connection is closing or its outgoing queue is full: try again later.
            entry.future = null;
            entry.retryAtNs = System.nanoTime() + entry.nextBackoffNs();
            return;
        }
        counters.addPublished(1);
        if (BridgeCrashPoint.ENABLED)
        {
            BridgeCrashPoint.OUT_AFTER_PUBLISH.reached();
        }
    }

    private int completeAndRetry()
    {
        int work = 0;
        final long now = System.nanoTime();
        for (int i = 0; i < count; )
        {
            final InFlight entry = inFlight[i];
            if (entry.future == null)
            {
                if (now - entry.retryAtNs >= 0)
                {
                    publish(entry);
                    work++;
                }
                i++;
                continue;
            }
            if (!entry.future.isDone())
            {
                i++;
                continue;
            }
            final PublishAck ack = answer(entry);
            if (ack == null)
            {
                // Back-pressure or a lost answer: publish again later, under the same Nats-Msg-Id.
                entry.future = null;
                entry.retryAtNs = now + entry.nextBackoffNs();
                i++;
                continue;
            }
            if (ack.isDuplicate())
            {
                counters.addDuplicates(1);
            }
            else
            {
                counters.addConfirmed(1);
            }
            if (BridgeCrashPoint.ENABLED)
            {
                BridgeCrashPoint.OUT_AFTER_CONFIRM.reached();
            }
            // False if the lease was taken away meanwhile: the message comes back, is published again, and JetStream
            // answers "duplicate" (inside its window).
            entry.lease.ack();
            if (BridgeCrashPoint.ENABLED)
            {
                BridgeCrashPoint.OUT_AFTER_ACK.reached();
            }
            removeAt(i);
            work++;
        }
        counters.inFlight(count);
        return work;
    }

    /**
     * @return JetStream's answer, or null if the message must be published again (a full stream, a timeout, a lost
     * connection).
     * @throws BridgeException if JetStream refuses it for good.
     */
    private PublishAck answer(final InFlight entry)
    {
        try
        {
            return entry.future.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
        catch (final ExecutionException | CompletionException | java.util.concurrent.CancellationException ex)
        {
            final Throwable cause = ex.getCause() == null ? ex : ex.getCause();
            if (cause instanceof JetStreamApiException && !isRetryable((JetStreamApiException)cause))
            {
                throw new BridgeException("JetStream refused message " + Long.toHexString(entry.messageId) +
                    " on " + entry.subject + " of stream " + settings.stream() + ": " +
                    ((JetStreamApiException)cause).getErrorDescription() + " (its lease is left to expire)", cause);
            }
            return null;
        }
    }

    /**
     * A full stream (discard new: "maximum messages/bytes exceeded", code 10077), insufficient resources (10047) and
     * the no-responders answer while a restarted server's JetStream comes up are waited out; anything else is for
     * good (e.g. "message size exceeds maximum allowed", 10054).
     */
    private static boolean isRetryable(final JetStreamApiException ex)
    {
        final int code = ex.getApiErrorCode();
        final String text = String.valueOf(ex.getErrorDescription()).toLowerCase(java.util.Locale.ROOT);
        return code == 10077 || code == 10047 || ex.getErrorCode() == 503 || text.contains("exceeded") ||
            text.contains("insufficient") || text.contains("no responders") || text.contains("timeout");
    }

    private int extendIfDue()
    {
        final long now = System.currentTimeMillis();
        if (now < nextExtendCheckMs)
        {
            return 0;
        }
        nextExtendCheckMs = now + Math.max(1, extendBeforeMs / 4);
        int work = 0;
        for (int i = 0; i < count; i++)
        {
            final InFlight entry = inFlight[i];
            if (entry.lease.isActive() && entry.lease.deadlineEpochMs() - now < extendBeforeMs)
            {
                // False if it was taken away (we were paused past it): the ack will be refused too, and the
                // message published again by whoever leases it next, as a duplicate.
                entry.lease.extend(leaseLength);
                work++;
            }
        }
        return work;
    }

    private void removeAt(final int i)
    {
        final InFlight done = inFlight[i];
        done.clear();
        count--;
        inFlight[i] = inFlight[count];
        inFlight[count] = done;
    }

    /**
     * Detaches the consumer. Leases still unconfirmed are released by it: call after {@link #run} has drained.
     */
    /**
     * @return the bridge words of this bridge's participant row (what {@code ipcq inspect} shows).
     */
    public BridgeCounters counters()
    {
        return counters;
    }

    @Override
    public void close()
    {
        consumer.close();
    }

    /**
     * One message between its lease and JetStream's confirmation.
     */
    private static final class InFlight
    {
        Lease lease;
        long messageId;
        String subject;
        Headers headers;
        byte[] data;
        PublishOptions options;
        CompletableFuture<PublishAck> future;
        long retryAtNs;
        long backoffNs;

        void take(final Lease lease, final String queueIdentity, final String subject, final String stream)
        {
            this.lease = lease;
            this.messageId = lease.id();
            this.subject = subject;
            final int length = lease.length();
            this.data = new byte[length];
            lease.payload().getBytes(0, data, 0, length);
            this.headers = new Headers()
                .put(MessageIdentity.ORIGIN_ID, Long.toUnsignedString(messageId))
                .put(MessageIdentity.DELIVERY_COUNT, Integer.toString(lease.deliveryCount()))
                .put(MessageIdentity.ORIGIN_QUEUE, queueIdentity);
            final long enqueued = lease.enqueuedAtEpochMs();
            if (enqueued != SlotDescriptor.UNKNOWN_ENQUEUE_TIME)
            {
                // So the message's age survives the hop (bridge in keeps it; docs/bridge.md, Headers).
                headers.put(MessageIdentity.ENQUEUED_MS, Long.toString(enqueued));
            }
            this.options = PublishOptions.builder()
                .messageId(MessageIdentity.msgId(queueIdentity, messageId))
                .expectedStream(stream)
                .build();
            this.backoffNs = 0;
        }

        long nextBackoffNs()
        {
            backoffNs = backoffNs == 0 ? FIRST_RETRY_NS : Math.min(MAX_RETRY_NS, backoffNs * 2);
            return backoffNs;
        }

        void clear()
        {
            lease = null;
            headers = null;
            data = null;
            options = null;
            future = null;
        }
    }
}
