package io.ipcq;

/**
 * A file that is not a queue, has another layout version, is truncated, or holds a word that cannot be true.
 */
public class CorruptQueueException extends QueueException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong with the file, and where.
     */
    public CorruptQueueException(final String message)
    {
        super(message);
    }
}
