package io.ipcq.internal;

import io.ipcq.CorruptQueueException;
import io.ipcq.QueueConfig;
import io.ipcq.QueueException;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.read.HeaderFlyweight;
import io.ipcq.read.QueueLayout;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

import static io.ipcq.layout.QueueDescriptor.*;

/**
 * A mapped, validated queue file: creation (atomic, every page allocated) and opening (every header word checked
 * against the file before anything else reads it).
 */
public final class QueueFile implements AutoCloseable
{
    private static final int FILL_CHUNK = 1 << 20;

    private final Path path;
    private final MappedByteBuffer mapping;
    private final UnsafeBuffer buffer;
    private final boolean readOnly;
    private final QueueDescriptor.Geometry geometry;
    private final int maxDeliveries;
    private final long leaseTimeoutMs;
    private final long heartbeatTimeoutMs;
    private final long createdEpochMs;

    private QueueFile(final Path path, final MappedByteBuffer mapping, final boolean readOnly)
    {
        this.path = path;
        this.mapping = mapping;
        this.readOnly = readOnly;
        this.buffer = new UnsafeBuffer(mapping);
        buffer.verifyAlignment();
        this.geometry = validate(path, buffer);
        this.maxDeliveries = buffer.getInt(MAX_DELIVERIES_OFFSET);
        this.leaseTimeoutMs = buffer.getLong(LEASE_TIMEOUT_MS_OFFSET);
        this.heartbeatTimeoutMs = buffer.getLong(HEARTBEAT_TIMEOUT_MS_OFFSET);
        this.createdEpochMs = buffer.getLong(CREATED_EPOCH_MS_OFFSET);
    }

    /**
     * Creates a queue file: built under a temporary name in the same directory with every page allocated by
     * write(2) (so a full file system fails here, not later with SIGBUS), then renamed into place.
     *
     * @param path      where the queue lives.
     * @param config    geometry and settings.
     * @param nowEpochMs creation time.
     * @return the mapped file.
     */
    public static QueueFile create(final Path path, final QueueConfig config, final long nowEpochMs)
    {
        final QueueDescriptor.Geometry geometry = config.geometry().validate();
        final Path absolute = path.toAbsolutePath();
        final Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir))
        {
            throw new QueueException("cannot create " + path + ": directory " + dir + " does not exist");
        }
        if (!config.force() && Files.exists(absolute, java.nio.file.LinkOption.NOFOLLOW_LINKS))
        {
            throw new QueueException("cannot create " + path + ": a file already exists there (force to replace)");
        }

        final Path temp = dir.resolve("." + absolute.getFileName() + ".creating-" + ProcessInfo.selfPid() + "-" +
            System.nanoTime());
        final long length = geometry.fileLength();
        MappedByteBuffer mapping = null;
        try
        {
            Files.createFile(temp);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(
                config.groupShared() ? "rw-rw----" : "rw-------"));
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                allocate(channel, length, path);
                mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
            }
            final UnsafeBuffer buffer = new UnsafeBuffer(mapping);
            buffer.verifyAlignment();
            initialise(buffer, geometry, config, nowEpochMs);

            if (config.force())
            {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            else
            {
                // link(2) refuses an existing target: no window in which another creator's file is replaced.
                Files.createLink(absolute, temp);
                Files.delete(temp);
            }
            final QueueFile file = new QueueFile(absolute, mapping, false);
            mapping = null;
            return file;
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new QueueException("cannot create " + path + ": a file already exists there (force to replace)");
        }
        catch (final AccessDeniedException ex)
        {
            throw new QueueException("cannot create " + path + ": permission denied");
        }
        catch (final IOException ex)
        {
            throw new QueueException("cannot create " + path + ": " + ex.getMessage(), ex);
        }
        finally
        {
            if (mapping != null)
            {
                IoUtil.unmap(mapping);
            }
            try
            {
                Files.deleteIfExists(temp);
            }
            catch (final IOException ignore)
            {
                // best effort: the temporary name starts with a dot and is never opened as a queue
            }
        }
    }

    /**
     * Maps an existing queue after validating its header against the file.
     *
     * @param path     the queue file.
     * @param readOnly map read-only (tools that must never change the file).
     * @return the mapped file.
     */
    public static QueueFile open(final Path path, final boolean readOnly)
    {
        final Path absolute = path.toAbsolutePath();
        try
        {
            // One look at the file, so a file deleted meanwhile reads "does not exist", not "not a regular file".
            if (!Files.readAttributes(absolute, java.nio.file.attribute.BasicFileAttributes.class).isRegularFile())
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
        try (FileChannel channel = readOnly ?
            FileChannel.open(absolute, StandardOpenOption.READ) :
            FileChannel.open(absolute, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final long size = channel.size();
            HeaderFlyweight.checkFileSize(path.toString(), size);
            final MappedByteBuffer mapping = channel.map(
                readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE, 0, size);
            try
            {
                return new QueueFile(absolute, mapping, readOnly);
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
    }

    private static void allocate(final FileChannel channel, final long length, final Path path) throws IOException
    {
        final ByteBuffer zeros = ByteBuffer.allocateDirect((int)Math.min(FILL_CHUNK, length));
        long position = 0;
        try
        {
            while (position < length)
            {
                zeros.clear().limit((int)Math.min(zeros.capacity(), length - position));
                while (zeros.hasRemaining())
                {
                    position += channel.write(zeros, position);
                }
            }
        }
        catch (final IOException ex)
        {
            final Path dir = path.toAbsolutePath().getParent();
            throw new IOException("cannot allocate " + length + " bytes in " + dir + " (" + ex.getMessage() +
                "); only " + position + " could be written", ex);
        }
        finally
        {
            IoUtil.unmap(zeros);
        }
    }

    private static void initialise(
        final UnsafeBuffer buffer, final QueueDescriptor.Geometry geometry, final QueueConfig config, final long now)
    {
        fillHeader(buffer, geometry, config.maxDeliveries(), config.leaseTimeout().toMillis(),
            config.heartbeatTimeout().toMillis(), now, ProcessInfo.selfPid());
        final QueueLayout layout = new QueueLayout(geometry);
        for (int ring = 0; ring < layout.ringCount(); ring++)
        {
            for (int i = 0; i < layout.capacity(ring); i++)
            {
                // Slot i is free for position i of the first lap.
                buffer.putLong(layout.slotOffset(ring, i) + SlotDescriptor.SEQUENCE_OFFSET, i);
            }
            buffer.putLong(layout.laneOffset(ring) + LaneDescriptor.TAIL_OFFSET, 0);
        }
        signalReady(buffer);
    }

    private static QueueDescriptor.Geometry validate(final Path path, final UnsafeBuffer buffer)
    {
        // The checks every reader makes live in the read model, so that inspect and attach refuse the same files.
        return new HeaderFlyweight().wrap(buffer, 0).validate(path.toString(), buffer.capacity());
    }

    public Path path()
    {
        return path;
    }

    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    public boolean readOnly()
    {
        return readOnly;
    }

    public QueueDescriptor.Geometry geometry()
    {
        return geometry;
    }

    public int maxDeliveries()
    {
        return maxDeliveries;
    }

    public long leaseTimeoutMs()
    {
        return leaseTimeoutMs;
    }

    public long heartbeatTimeoutMs()
    {
        return heartbeatTimeoutMs;
    }

    public long createdEpochMs()
    {
        return createdEpochMs;
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapping);
    }
}
