package io.ipcq.read;

import io.ipcq.CorruptQueueException;
import io.ipcq.QueueException;
import org.agrona.IoUtil;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Maps an existing queue file whole, the one way both the read model ({@link QueueView#open}) and an attaching queue
 * do it, so that both refuse the same files with the same words: not a regular file, missing, unreadable, too short
 * for the header or larger than any queue ({@link HeaderFlyweight#checkFileSize}). The header itself is validated by
 * whoever wraps the mapping.
 */
public final class QueueMapping
{
    /**
     * Wraps a fresh mapping; throwing here unmaps it and closes the channel.
     *
     * @param <T> what the mapping becomes.
     */
    @FunctionalInterface
    public interface Wrapper<T>
    {
        /**
         * @param channel the open file; closed after this returns unless the caller asked to keep it.
         * @param fileKey the file's key ({@link BasicFileAttributes#fileKey()}, device and inode) read right after
         *                the open, to tell later whether the path still names this file; may be null.
         * @param mapping the whole file, mapped.
         * @return the wrapped file.
         */
        T wrap(FileChannel channel, Object fileKey, MappedByteBuffer mapping);
    }

    private QueueMapping()
    {
    }

    /**
     * @param path        the queue file (messages name it as given; links are followed).
     * @param readOnly    map it read-only (and open the file for reading only), else read-write.
     * @param keepChannel leave the channel open for the wrapper's result (to check later that the file was not
     *                    truncated), else close it once mapped.
     * @param wrapper     turns the mapping into the result.
     * @param <T>         what the mapping becomes.
     * @return what the wrapper returned.
     * @throws CorruptQueueException if the file is not a regular file or its size cannot be a queue's.
     * @throws QueueException        if it does not exist or cannot be opened.
     */
    public static <T> T map(
        final Path path, final boolean readOnly, final boolean keepChannel, final Wrapper<T> wrapper)
    {
        final Path absolute = path.toAbsolutePath();
        try
        {
            // One look at the file, so a file deleted meanwhile reads "does not exist", not "not a regular file".
            if (!Files.readAttributes(absolute, BasicFileAttributes.class).isRegularFile())
            {
                throw new CorruptQueueException(path + " is not a queue: not a regular file");
            }
        }
        catch (final NoSuchFileException ex)
        {
            throw new QueueException("no queue at " + path + ": file does not exist");
        }
        catch (final IOException ex)
        {
            throw new QueueException("cannot open " + path + ": " + ex.getMessage(), ex);
        }
        FileChannel channel = null;
        try
        {
            channel = readOnly ?
                FileChannel.open(absolute, StandardOpenOption.READ) :
                FileChannel.open(absolute, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final Object fileKey = Files.readAttributes(absolute, BasicFileAttributes.class).fileKey();
            final long size = channel.size();
            HeaderFlyweight.checkFileSize(path.toString(), size);
            final MappedByteBuffer mapping = channel.map(
                readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE, 0, size);
            try
            {
                final T result = wrapper.wrap(channel, fileKey, mapping);
                if (keepChannel)
                {
                    channel = null;
                }
                return result;
            }
            catch (final RuntimeException ex)
            {
                IoUtil.unmap(mapping);
                throw ex;
            }
        }
        catch (final NoSuchFileException ex)
        {
            throw new QueueException("no queue at " + path + ": file does not exist");
        }
        catch (final AccessDeniedException ex)
        {
            throw new QueueException("cannot open " + path + ": permission denied");
        }
        catch (final IOException ex)
        {
            throw new QueueException("cannot open " + path + ": " + ex.getMessage(), ex);
        }
        finally
        {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // nothing left to release
            }
        }
    }
}
