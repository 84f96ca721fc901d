package io.ipcq.bridge;

import io.ipcq.QueueException;

/**
 * A bridge cannot start or go on: unreachable server, missing stream, refused credentials, a stream whose limits
 * cannot hold the queue's messages, a sealed local queue. The message is one line that names the server, the stream
 * or the queue and the value at fault; {@code ipcq bridge} prints it as {@code ipcq: bridge: ...} and exits 1.
 */
public final class BridgeException extends QueueException
{
    private static final long serialVersionUID = 1L;

    public BridgeException(final String message)
    {
        super(message);
    }

    public BridgeException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
