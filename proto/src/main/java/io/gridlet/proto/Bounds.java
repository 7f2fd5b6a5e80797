package io.gridlet.proto;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A peer's protobuf bytes walked before a generated parser builds them, so that what the parser allocates is
 * bounded by the message's schema, not by what the peer packed into its bytes: at most {@code maxRepeated} entries
 * of any one repeated field in the whole message (summed over every occurrence, also across the entries of an
 * enclosing repeated message: stricter than per entry), at most {@code maxUnknown} unknown fields (the parser keeps
 * each in memory), and no groups (proto3 has none; the parser would keep a group's every field). The walk
 * allocates nothing per entry. Anything else (cut short, a bad length, a bad UTF-8 string) is left to the parser,
 * which refuses it.
 */
public final class Bounds {
    private final int maxRepeated;
    private final int maxUnknown;

    public Bounds(int maxRepeated, int maxUnknown) {
        this.maxRepeated = maxRepeated;
        this.maxUnknown = maxUnknown;
    }

    /**
     * {@code bytes} as a message of {@code prototype}'s type (its default instance), checked against these bounds
     * first; malformed or over a bound: an IllegalArgumentException saying why ("not a TYPE: ..." when the parser
     * refuses it).
     */
    @SuppressWarnings("unchecked")
    public <T extends Message> T parse(T prototype, byte[] bytes) {
        Descriptors.Descriptor type = prototype.getDescriptorForType();
        check(type, bytes);
        try {
            return (T) prototype.getParserForType().parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a " + type.getFullName() + ": " + e.getMessage());
        }
    }

    /** Throws IllegalArgumentException naming the bound {@code bytes}, as a {@code type}, breaks. */
    public void check(Descriptors.Descriptor type, byte[] bytes) {
        Walk w = new Walk();
        try {
            w.message(CodedInputStream.newInstance(bytes), type);
        } catch (IOException e) {
            // malformed: the parser says how
        }
    }

    private final class Walk {
        final Map<Descriptors.FieldDescriptor, int[]> counts = new HashMap<>();
        int unknown;

        void message(CodedInputStream in, Descriptors.Descriptor type) throws IOException {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                Descriptors.FieldDescriptor f = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
                int wire = WireFormat.getTagWireType(tag);
                if (wire == WireFormat.WIRETYPE_START_GROUP || wire == WireFormat.WIRETYPE_END_GROUP) {
                    // no message of this protocol has groups, and the parser would keep a group's every field
                    throw new IllegalArgumentException("a group (wire type " + wire + ") in a " + type.getFullName());
                }
                boolean message = f != null && f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE;
                if (f == null || !fits(f, wire)) {
                    if (++unknown > maxUnknown) {
                        throw new IllegalArgumentException("more than " + maxUnknown + " unknown fields in a "
                                + type.getFullName());
                    }
                    if (!in.skipField(tag)) return; // an end-group tag: the parser refuses it
                    continue;
                }
                int n = 1;
                if (f.isRepeated() && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && !message
                        && f.getJavaType() != Descriptors.FieldDescriptor.JavaType.STRING
                        && f.getJavaType() != Descriptors.FieldDescriptor.JavaType.BYTE_STRING) {
                    n = packedEntries(in, f);
                } else if (message && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    int limit = in.pushLimit(in.readRawVarint32());
                    message(in, f.getMessageType());
                    in.popLimit(limit);
                } else {
                    in.skipField(tag);
                }
                if (f.isRepeated()) {
                    int[] c = counts.computeIfAbsent(f, k -> new int[1]);
                    c[0] += n;
                    if (c[0] > maxRepeated) {
                        throw new IllegalArgumentException("more than " + maxRepeated + " entries of "
                                + f.getFullName());
                    }
                }
            }
        }

        /** Entries of a packed field: its bytes counted, not read into values. */
        private int packedEntries(CodedInputStream in, Descriptors.FieldDescriptor f) throws IOException {
            int length = in.readRawVarint32();
            if (length < 0) throw new IOException("negative length");
            switch (f.getLiteType().getWireType()) {
                case WireFormat.WIRETYPE_FIXED64:
                    in.skipRawBytes(length);
                    return length / 8;
                case WireFormat.WIRETYPE_FIXED32:
                    in.skipRawBytes(length);
                    return length / 4;
                default: {
                    int limit = in.pushLimit(length);
                    int n = 0;
                    while (in.getBytesUntilLimit() > 0) if (in.readRawByte() >= 0) n++; // a varint's last byte
                    in.popLimit(limit);
                    return n;
                }
            }
        }

        /** Whether the wire type is one the parser takes for this field (else it is kept as an unknown field). */
        private boolean fits(Descriptors.FieldDescriptor f, int wire) {
            int expected = f.getLiteType().getWireType();
            return wire == expected || (f.isRepeated() && f.isPackable()
                    && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED);
        }
    }
}
