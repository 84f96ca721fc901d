package io.ipcq.bridge;

import io.ipcq.IpcQueue;
import io.ipcq.layout.SlotDescriptor;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The names a bridged message carries (docs/bridge.md, Headers). {@code Nats-Msg-Id} is the queue's identity and the
 * ipcq message id, the same on every delivery of the message from that queue: a bridge that republishes it after a
 * crash is answered "duplicate" by JetStream inside the stream's duplicate window, and stores nothing twice.
 */
public final class MessageIdentity
{
    /** JetStream's dedupe header. */
    public static final String MSG_ID = "Nats-Msg-Id";
    /** The ipcq message id in the queue it came from, unsigned decimal. */
    public static final String ORIGIN_ID = "Ipcq-Origin-Id";
    /** Which delivery of the message in the queue it came from published it (1 the first time). */
    public static final String DELIVERY_COUNT = "Ipcq-Delivery-Count";
    /** The queue it came from: host, path and creation time. */
    public static final String ORIGIN_QUEUE = "Ipcq-Origin-Queue";
    /** When it was enqueued in the queue it came from, epoch ms (decimal); absent if that queue did not know. */
    public static final String ENQUEUED_MS = "Ipcq-Enqueued-Ms";

    private static final String HOST = hostName();

    private MessageIdentity()
    {
    }

    /**
     * @param queue a queue.
     * @return {@code host:path:createdEpochMs}: another queue, or this path made anew, has another.
     */
    public static String queueIdentity(final IpcQueue queue)
    {
        return HOST + ":" + queue.path().toAbsolutePath().normalize() + ":" + queue.createdEpochMs();
    }

    /**
     * @param queueIdentity {@link #queueIdentity(IpcQueue)}.
     * @param messageId     the ipcq message id.
     * @return the {@code Nats-Msg-Id}.
     */
    public static String msgId(final String queueIdentity, final long messageId)
    {
        return queueIdentity + ":" + Long.toUnsignedString(messageId);
    }

    /**
     * @param header the {@link #ORIGIN_ID} header's value, or null.
     * @return the id, {@link SlotDescriptor#NO_ORIGIN} if absent or not a number (published by another client).
     */
    public static long parseOriginId(final String header)
    {
        if (header == null)
        {
            return SlotDescriptor.NO_ORIGIN;
        }
        try
        {
            return Long.parseUnsignedLong(header.strip());
        }
        catch (final NumberFormatException ex)
        {
            return SlotDescriptor.NO_ORIGIN;
        }
    }

    /**
     * @param header the {@link #ENQUEUED_MS} header's value, or null.
     * @return the epoch ms, {@link SlotDescriptor#UNKNOWN_ENQUEUE_TIME} if absent, not a number or not positive
     * (published by another client): bridge in then stamps the time of its own send.
     */
    public static long parseEnqueuedMs(final String header)
    {
        if (header == null)
        {
            return SlotDescriptor.UNKNOWN_ENQUEUE_TIME;
        }
        try
        {
            final long epochMs = Long.parseLong(header.strip());
            return epochMs > 0 ? epochMs : SlotDescriptor.UNKNOWN_ENQUEUE_TIME;
        }
        catch (final NumberFormatException ex)
        {
            return SlotDescriptor.UNKNOWN_ENQUEUE_TIME;
        }
    }

    private static String hostName()
    {
        // The kernel's name first: InetAddress.getLocalHost may wait on a name lookup.
        try
        {
            final String name = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname"))
                .strip();
            if (!name.isEmpty())
            {
                return name;
            }
        }
        catch (final java.io.IOException | RuntimeException ignore)
        {
            // not Linux: ask the resolver
        }
        try
        {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (final UnknownHostException ex)
        {
            return "localhost";
        }
    }
}
