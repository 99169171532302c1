using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mtaeda.Identification.Domain;

/// <summary>
/// The service's matcher: every template reduced to a sign code of b bits (random-hyperplane hashing: bit j says on
/// which side of a fixed random hyperplane the template lies, so the share of bits two codes differ in estimates the
/// angle between the templates divided by π, whatever the templates' distribution), all codes scanned with popcount for
/// the <see cref="SignCodeSettings.RerankDepth"/> nearest by Hamming distance, and those re-ranked by cosine on the
/// stored values (16-bit floats: within about 10⁻⁴ of the 32-bit cosine). With b = 512, a capture at cosine 0.6 to an
/// enrolled template differs from it in about 150 ± 10 bits, an unrelated template in 256 ± 11: the enrolled template
/// is among the re-ranked ones by a margin of many standard deviations, so the decision (a template at or above the
/// threshold, or none) is the one exact search makes.
/// Cost per capture: O(n · b/64) word operations for the scan (8 words per template at 512 dimensions), O(b log b) to
/// encode the capture and O(k · d) to re-rank the k nearest codes: linear in the list, but reading 64 bytes per
/// template where exact search reads 2,048. Memory per template: b/8 bytes of code, 2·d bytes of values, its owner.
/// Searches run concurrently (a read lock); changes take the write lock. A removed template's slot is wiped and reused.
/// </summary>
public sealed class SignCodeMatcher : InMemoryMatcher
{
    private readonly HadamardRotation _rotation;
    private readonly int _bits;
    private readonly int _words;
    private readonly int _depth;
    private readonly TemplateSlots _slots;

    /// <summary>Creates an empty matcher.</summary>
    /// <param name="dimensions">Template length.</param>
    /// <param name="settings">Re-rank depth and the rotation's seed.</param>
    public SignCodeMatcher(int dimensions, SignCodeSettings? settings = null)
        : base(dimensions)
    {
        settings ??= new SignCodeSettings();
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.RerankDepth, 1);
        // The sign patterns of the rotation, from a fixed seed (the codes are rebuilt with the index at start-up).
        _rotation = new HadamardRotation(dimensions, new Random(settings.Seed));
        _bits = _rotation.Length;
        _words = _bits / 64;
        _depth = settings.RerankDepth;
        _slots = new TemplateSlots(_words, dimensions);
    }

    /// <summary>Bits per code: the template length rounded up to a power of two (at least 64).</summary>
    public int Bits => _bits;

    /// <inheritdoc />
    /// <remarks>The codes are computed outside the lock; the arrays grow once for the whole batch.</remarks>
    protected override Action Prepare(IReadOnlyList<(PersonRef Person, IReadOnlyList<StoredTemplate> Templates)> people)
    {
        var total = people.Sum(p => p.Templates.Count);
        var codes = new ulong[total * _words];
        var at = 0;
        foreach (var (_, templates) in people)
        {
            foreach (var t in templates) Encode(t.Values, codes.AsSpan(at++ * _words, _words));
        }
        return () => Counted(_slots.Put(people, codes));
    }

    /// <inheritdoc />
    protected override IReadOnlyList<Candidate> Search(float[] query, int count)
    {
        Span<ulong> code = _words <= 64 ? stackalloc ulong[_words] : new ulong[_words];
        Encode(query, code);
        float[]? rented = null;
        Span<float> values = Dimensions <= 1024 ? stackalloc float[Dimensions] : (rented = System.Buffers.ArrayPool<float>.Shared.Rent(Dimensions)).AsSpan(0, Dimensions);
        try
        {
            var nearest = new NearestCodes(Math.Min(Math.Max(count, _depth), _slots.High));
            _slots.Scan(code, nearest);
            return _slots.Rerank(query, count, nearest, values);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The sign code of <paramref name="values"/>: bit j set when component j of the rotated template is positive
    /// (<see cref="HadamardRotation"/>): each bit is the side of a random hyperplane the template lies on, so two codes
    /// differ in a share of bits that estimates the angle between the templates divided by π, however the templates are
    /// distributed.
    /// </summary>
    private void Encode(ReadOnlySpan<float> values, Span<ulong> code)
    {
        Span<float> x = _bits <= 4096 ? stackalloc float[_bits] : new float[_bits];
        _rotation.Rotate(values, x);
        SignsOf(x, code);
    }

    /// <summary>The sign code of rotated values: bit j set when <paramref name="rotated"/>[j] is positive.</summary>
    internal static void SignsOf(ReadOnlySpan<float> rotated, Span<ulong> code)
    {
        code.Clear();
        for (var j = 0; j < rotated.Length; j++)
        {
            if (rotated[j] > 0) code[j >> 6] |= 1UL << (j & 63);
        }
    }

    /// <summary>
    /// The Hamming distance of each code in <paramref name="codes"/> (one after another, <c>query.Length</c> words each)
    /// to <paramref name="query"/>. 512-bit codes on AVX-512 hardware: 64 bytes XORed at once and counted by nibble
    /// look-up (VPSHUFB) and byte sums (VPSADBW), four codes' sums packed in 16-bit fields of one reduction; otherwise
    /// POPCNT on each 64-bit word.
    /// </summary>
    /// <param name="codes">The codes.</param>
    /// <param name="query">The query's code.</param>
    /// <param name="distances">One distance per code.</param>
    /// <param name="vectorized">False to use POPCNT even where AVX-512 is available (for tests).</param>
    internal static void HammingDistances(ReadOnlySpan<ulong> codes, ReadOnlySpan<ulong> query, Span<int> distances, bool vectorized = true)
    {
        var words = query.Length;
        var count = codes.Length / words;
        ref var c = ref MemoryMarshal.GetReference(codes);
        var done = 0;
        if (vectorized && words == 8 && Avx512BW.IsSupported)
        {
            var q = Vector512.Create(query).AsByte();
            var nibble = Vector512.Create((byte)0x0F);
            var table = Vector512.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
            for (; done + 4 <= count; done += 4)
            {
                var s0 = Sums(Vector512.LoadUnsafe(ref c, (nuint)(done * 8)).AsByte() ^ q, nibble, table);
                var s1 = Sums(Vector512.LoadUnsafe(ref c, (nuint)(done * 8 + 8)).AsByte() ^ q, nibble, table);
                var s2 = Sums(Vector512.LoadUnsafe(ref c, (nuint)(done * 8 + 16)).AsByte() ^ q, nibble, table);
                var s3 = Sums(Vector512.LoadUnsafe(ref c, (nuint)(done * 8 + 24)).AsByte() ^ q, nibble, table);
                // Each lane holds at most 64; the four codes' totals (at most 512 each) fit in 16-bit fields of one sum.
                var packed = Vector512.Sum(s0 | (s1 << 16) | (s2 << 32) | (s3 << 48));
                distances[done] = (int)(packed & 0xFFFF);
                distances[done + 1] = (int)((packed >> 16) & 0xFFFF);
                distances[done + 2] = (int)((packed >> 32) & 0xFFFF);
                distances[done + 3] = (int)(packed >> 48);
            }
        }
        for (; done < count; done++)
        {
            ref var code = ref Unsafe.Add(ref c, done * words);
            var d = 0;
            for (var w = 0; w < words; w++) d += BitOperations.PopCount(Unsafe.Add(ref code, w) ^ query[w]);
            distances[done] = d;
        }
    }

    /// <summary>Set bits of each 8-byte lane of <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Sums(Vector512<byte> x, Vector512<byte> nibble, Vector512<byte> table)
    {
        var counts = Avx512BW.Shuffle(table, x & nibble) + Avx512BW.Shuffle(table, Vector512.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & nibble);
        return Avx512BW.SumAbsoluteDifferences(counts, Vector512<byte>.Zero).AsUInt64();
    }

    /// <inheritdoc />
    protected override bool RemoveHeld(PersonRef person)
    {
        var forgotten = _slots.Remove(person);
        Counted(-forgotten);
        return forgotten > 0;
    }

    /// <summary>The k smallest distances seen (a max-heap: the root is the largest kept, the bound to beat once full).</summary>
    internal sealed class NearestCodes(int capacity)
    {
        private readonly int[] _distances = new int[capacity];
        private readonly int[] _slots = new int[capacity];

        public int Count { get; private set; }

        /// <summary>A distance must be below this to be kept.</summary>
        public int Bound { get; private set; } = int.MaxValue;

        public int Slot(int i) => _slots[i];

        /// <summary>Whether <paramref name="slot"/> is kept (a template seen again, through another table).</summary>
        public bool Contains(int slot) => _slots.AsSpan(0, Count).Contains(slot);

        public void Add(int distance, int slot)
        {
            if (Count < capacity)
            {
                var i = Count++;
                while (i > 0)
                {
                    var parent = (i - 1) / 2;
                    if (_distances[parent] >= distance) break;
                    (_distances[i], _slots[i]) = (_distances[parent], _slots[parent]);
                    i = parent;
                }
                (_distances[i], _slots[i]) = (distance, slot);
            }
            else
            {
                var i = 0;
                while (true)
                {
                    var child = 2 * i + 1;
                    if (child >= capacity) break;
                    if (child + 1 < capacity && _distances[child + 1] > _distances[child]) child++;
                    if (_distances[child] <= distance) break;
                    (_distances[i], _slots[i]) = (_distances[child], _slots[child]);
                    i = child;
                }
                (_distances[i], _slots[i]) = (distance, slot);
            }
            if (Count == capacity) Bound = _distances[0];
        }
    }
}

/// <summary>Sign-code matcher settings (section <c>Identification:SignCode</c>).</summary>
public sealed class SignCodeSettings
{
    /// <summary>How many templates nearest by Hamming distance are re-ranked by exact cosine (at least the count asked for).</summary>
    public int RerankDepth { get; init; } = 16;

    /// <summary>Seed of the random rotation.</summary>
    public int Seed { get; init; } = 20261207;
}
