package io.ipcq;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Up to {@link #capacity()} messages sent by one {@link Producer#trySend(int, SendBatch)}: fill it with
 * {@link #add}, send it, read how many went ({@link #sent()}) and their ids. The batch keeps only references to the
 * caller's buffers; the bytes are copied into the slots by the send, so they must stay unchanged until then.
 * Reusable: make one per producer thread and keep it; {@link #clear()} empties it, nothing is allocated.
 */
public final class SendBatch
{
    private static final byte[] EMPTY = new byte[0];

    private final DirectBuffer[] sources;
    private final UnsafeBuffer[] arrayViews;
    private final int[] offsets;
    private final int[] lengths;
    private final long[] ids;
    /** Positions a claim returns, and its scratch space (RingProducer.tryClaim with a run). */
    final long[] claimed;
    private int size;
    private int sent;
    private SendResult result = SendResult.OK;

    /**
     * @param capacity the most messages it holds.
     */
    public SendBatch(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("a batch holds at least one message, not " + capacity);
        }
        this.sources = new DirectBuffer[capacity];
        this.arrayViews = new UnsafeBuffer[capacity];
        this.offsets = new int[capacity];
        this.lengths = new int[capacity];
        this.ids = new long[capacity];
        this.claimed = new long[capacity];
    }

    /**
     * @return the most messages it holds.
     */
    public int capacity()
    {
        return sources.length;
    }

    /**
     * @return how many messages were added since the last {@link #clear()}.
     */
    public int size()
    {
        return size;
    }

    /**
     * Empties the batch (and forgets the references it held).
     *
     * @return this batch.
     */
    public SendBatch clear()
    {
        for (int i = 0; i < size; i++)
        {
            sources[i] = null;
            if (arrayViews[i] != null)
            {
                arrayViews[i].wrap(EMPTY);
            }
        }
        size = 0;
        sent = 0;
        result = SendResult.OK;
        return this;
    }

    /**
     * Adds a message: {@code length} bytes of {@code source} from {@code offset}, copied when the batch is sent.
     *
     * @param source the bytes.
     * @param offset where they start.
     * @param length how many.
     * @return this batch.
     * @throws IllegalStateException if it is full.
     */
    public SendBatch add(final DirectBuffer source, final int offset, final int length)
    {
        checkRoom();
        sources[size] = source;
        offsets[size] = offset;
        lengths[size] = length;
        size++;
        return this;
    }

    /**
     * Adds a whole byte array as a message (wrapped by a view this batch keeps per entry: no allocation once each
     * entry has been used once).
     *
     * @param bytes the message.
     * @return this batch.
     */
    public SendBatch add(final byte[] bytes)
    {
        checkRoom();
        if (arrayViews[size] == null)
        {
            arrayViews[size] = new UnsafeBuffer(bytes);
        }
        else
        {
            arrayViews[size].wrap(bytes);
        }
        return add(arrayViews[size], 0, bytes.length);
    }

    private void checkRoom()
    {
        if (size == sources.length)
        {
            throw new IllegalStateException("send batch full: " + size + " messages");
        }
    }

    /**
     * @return how many of its messages the last send put in the queue: entries 0 to sent() - 1, in order.
     */
    public int sent()
    {
        return sent;
    }

    /**
     * @return OK if the last send sent every message; otherwise why it stopped: FULL or SEALED.
     */
    public SendResult result()
    {
        return result;
    }

    /**
     * @param index 0 to {@link #sent()} - 1.
     * @return the id the message of entry {@code index} carries on every delivery.
     */
    public long messageId(final int index)
    {
        if (index < 0 || index >= sent)
        {
            throw new IndexOutOfBoundsException("message " + index + " of a batch of which " + sent + " were sent");
        }
        return ids[index];
    }

    DirectBuffer source(final int index)
    {
        return sources[index];
    }

    int offset(final int index)
    {
        return offsets[index];
    }

    int length(final int index)
    {
        return lengths[index];
    }

    void sent(final int index, final long id)
    {
        ids[index] = id;
        sent = index + 1;
    }

    void finished(final SendResult result)
    {
        this.result = result;
    }

    void begin()
    {
        sent = 0;
        result = SendResult.OK;
    }
}
