package io.ipcq;

/**
 * Base of the errors ipcq reports; its message is one line that says what is wrong and where.
 */
public class QueueException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong.
     */
    public QueueException(final String message)
    {
        super(message);
    }

    /**
     * @param message what went wrong.
     * @param cause   the exception that caused it.
     */
    public QueueException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
