package io.ipcq.perf.harness;

/**
 * One direction of message flow of one system: a queue, ring or counter. Every message is 64 bytes: the intended
 * send time (ns, or 0 when untimed) at 0, a sequence at 8, the actual send time at 16, filler after.
 * Senders and receivers belong to one thread each and allocate nothing per message.
 */
interface Channel extends AutoCloseable
{
    int MESSAGE_LENGTH = 64;
    int INTENDED_OFFSET = 0;
    int SEQUENCE_OFFSET = 8;
    int SENT_OFFSET = 16;

    /**
     * Called between rounds, while no worker thread uses the channel (Chronicle starts a fresh queue per round so
     * that /dev/shm does not fill up).
     *
     * @param round the round about to start.
     */
    default void prepare(final long round)
    {
    }

    /**
     * @param index producer index within this process.
     * @return the sender of that producer thread; called by that thread at the start of each round.
     */
    Sender sender(int index);

    /**
     * @param index consumer index within this process.
     * @return the receiver of that consumer thread; called by that thread at the start of each round.
     */
    Receiver receiver(int index);

    /**
     * Unmaps and, on the side that created it, deletes. Called once worker threads have stopped.
     */
    @Override
    void close();

    interface Sender
    {
        /**
         * @return true if the message was published; false if the queue had no room.
         */
        boolean offer(long intendedNs, long sequence, long sentNs);

        /**
         * @return how many messages {@link #offerBatch} sends at most; 1 for a sender that sends one at a time.
         */
        default int batchSize()
        {
            return 1;
        }

        /**
         * Sends up to {@link #batchSize()} messages at once, with sequences from {@code firstSequence} on; a
         * message whose sequence has no bit of {@code stampMask} set carries the send time (intended = sent), the
         * others 0, as the producer loop stamps single offers.
         *
         * @return how many were published, a prefix of the batch; 0 if the queue had no room.
         */
        default int offerBatch(final long firstSequence, final long stampMask)
        {
            throw new UnsupportedOperationException("sends one message at a time");
        }
    }

    interface Receiver
    {
        /**
         * Delivers what is there (one message, or a batch where the system reads in batches) and, for ipcq, acks
         * each message after the sink has returned. ipcq's is its blocking {@code lease}: it waits up to a
         * millisecond, the way its wait strategy says, before it answers nothing.
         *
         * @return messages delivered.
         */
        int poll(MessageSink sink);

        /**
         * The wakeup scenario: waits up to {@code timeoutNs} for a message the system's own way (its blocking or
         * idle strategy), then delivers it as {@link #poll}.
         *
         * @return messages delivered, 0 at the timeout.
         */
        default int await(final MessageSink sink, final long timeoutNs)
        {
            throw new UnsupportedOperationException("no wait strategy for the wakeup scenario");
        }
    }

    interface MessageSink
    {
        void onMessage(long intendedNs, long sequence, long sentNs);
    }
}
