using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Mtaeda.Identification.Domain;

/// <summary>
/// A sublinear matcher: multi-probe cross-polytope locality-sensitive hashing (as FALCONN does) in front of the sign-code
/// comparison and cosine re-rank of <see cref="SignCodeMatcher"/>.
/// <para>
/// <b>Tables.</b> A template's key in each of <see cref="LshSettings.Tables"/> tables is made of two cross-polytope
/// hashes of the template after a pseudo-random rotation (<see cref="HadamardRotation"/>): in each of two blocks of m
/// coordinates, the coordinate of largest magnitude and its sign (2m values each; the nearest of the block's ±eᵢ). One
/// rotation of b = 512 values has b/2m disjoint pairs of blocks (projections on orthogonal subspaces, nearly
/// independent), so it serves b/2m tables; the first rotation's signs are also the template's sign code. Two templates at cosine 0.7 share a block's hash far more often than unrelated ones
/// (1 in 2m), and the key (one of (2m)² values) is a bucket of the table. m grows with the list
/// (<see cref="BlockFor"/>): about <see cref="LshSettings.TargetOccupancy"/> templates per key, so a bucket stays small.
/// </para>
/// <para>
/// <b>Probing.</b> A capture is rotated by every table's rotation. In each block the coordinates are ranked by magnitude
/// (the capture's own hash first); the cost of taking the r-th instead of the first is the difference of their
/// magnitudes (a template's hash is the capture's r-th with a likelihood falling exponentially in that difference). The
/// keys of all tables are visited in order of their summed cost (a priority queue over (table, rank, rank)), the
/// capture's own keys first, until <see cref="Probes"/> keys are visited: query-directed multi-probing, which needs far
/// fewer tables than plain LSH for the same recall.
/// </para>
/// <para>
/// <b>Candidates.</b> Every template in a visited bucket is compared by the Hamming distance of its 512-bit sign code
/// (random-hyperplane signs, as <see cref="SignCodeMatcher"/>'s); the <see cref="LshSettings.RerankDepth"/> nearest are
/// re-ranked by cosine on the stored 16-bit values, as <see cref="SignCodeMatcher"/> does.
/// </para>
/// <para>
/// <b>Cost per capture</b>: L·2m/b rotations, O(L·(2m/b) · b log b); P probes, O(P log P); about P · n/(2m)² candidates of 64
/// bytes each; O(k · d) to re-rank. With (2m)² ≈ n / occupancy and P growing as (2m)^0.7 (the probes the simulated
/// recall needs at each m), the candidates grow about as n^0.35 — until m reaches half the rotated length (256 at 512
/// dimensions, about a million templates), beyond which buckets fill linearly.
/// <b>Memory per template</b>: the code (64 bytes), the values (2·d bytes), two links per table (8·L bytes) and its owner;
/// plus 4·(2m)² bytes of bucket heads per table.
/// </para>
/// <para>
/// Searches run concurrently (a read lock); changes take the write lock. When the list outgrows its layout (m too small),
/// every held template is hashed again with the larger m (at most once per fourfold growth). A removed template's slot,
/// code and values are wiped and the slot reused.
/// </para>
/// </summary>
public sealed class MultiProbeLshMatcher : InMemoryMatcher
{
    /// <summary>Smallest block (m): 64 hash values per block, 4,096 keys per table.</summary>
    private const int MinBlock = 32;

    /// <summary>Most ranks probed in one block.</summary>
    private const int MaxRank = 12;

    private readonly LshSettings _settings;
    private readonly HadamardRotation[] _rotations;
    private readonly int _bits;
    private readonly int _words;
    private readonly TemplateSlots _slots;
    private int[][] _heads;
    private readonly int[][] _next;
    private readonly int[][] _previous;
    private int _block;
    private long _searches;
    private long _candidates;

    /// <summary>Creates an empty matcher.</summary>
    /// <param name="dimensions">Template length.</param>
    /// <param name="settings">Tables, probes, occupancy, re-rank depth and the rotations' seed.</param>
    public MultiProbeLshMatcher(int dimensions, LshSettings? settings = null)
        : base(dimensions)
    {
        _settings = settings ??= new LshSettings();
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Tables, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.Tables, 255);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.RerankDepth, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.ProbeFactor);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.TargetOccupancy);
        // The rotations' sign patterns, from a fixed seed (the tables are rebuilt with the index at start-up).
        var random = new Random(settings.Seed);
        _rotations = [.. Enumerable.Range(0, settings.Tables).Select(_ => new HadamardRotation(dimensions, random))];
        _bits = _rotations[0].Length;
        _words = _bits / 64;
        _block = MinBlock;
        _heads = NewHeads(_block);
        _next = [.. _rotations.Select(_ => Array.Empty<int>())];
        _previous = [.. _rotations.Select(_ => Array.Empty<int>())];
        // A slot's links in every table grow with the store and are undone before the slot is wiped.
        _slots = new TemplateSlots(_words, dimensions, grown: capacity =>
        {
            for (var t = 0; t < _rotations.Length; t++)
            {
                Array.Resize(ref _next[t], capacity);
                Array.Resize(ref _previous[t], capacity);
            }
        }, forgetting: Unlink);
    }

    /// <summary>The current block size m (each key: two hashes of 2m values).</summary>
    public int Block => Volatile.Read(ref _block);

    /// <summary>Keys visited per capture at the current block size.</summary>
    public int Probes => ProbesFor(Block);

    /// <summary>Searches made so far.</summary>
    public long Searches => Interlocked.Read(ref _searches);

    /// <summary>Templates compared (by sign code) over all searches made so far.</summary>
    public long CandidatesExamined => Interlocked.Read(ref _candidates);

    /// <summary>
    /// The block size m for a list of <paramref name="templates"/>: the smallest power of two (at least 32) with
    /// (2m)² keys per table for every <see cref="LshSettings.TargetOccupancy"/> templates, at most half the rotated length
    /// (both blocks from one rotation).
    /// </summary>
    public int BlockFor(int templates)
    {
        var wanted = Math.Sqrt(Math.Max(1, templates) / _settings.TargetOccupancy) / 2;
        var block = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(MinBlock, Math.Ceiling(wanted)));
        return Math.Min(block, _bits / 2);
    }

    /// <summary>
    /// Keys visited per capture for block size <paramref name="block"/>: <see cref="LshSettings.ProbeFactor"/> · (2m)^0.7,
    /// the growth of the probes a 0.99 recall at cosine 0.7 needs with 32 tables (simulated: 288 at m = 64, 512 at 128,
    /// 786 at 256 for 99.5 %).
    /// </summary>
    public int ProbesFor(int block) => (int)Math.Ceiling(_settings.ProbeFactor * Math.Pow(2 * block, 0.7));

    /// <inheritdoc />
    /// <remarks>Codes and keys are computed outside the lock (in parallel for a large batch); the arrays grow once.</remarks>
    protected override Action Prepare(IReadOnlyList<(PersonRef Person, IReadOnlyList<StoredTemplate> Templates)> people)
    {
        var flat = people.SelectMany(p => p.Templates).Select(t => t.Values).ToList();
        var total = flat.Count;
        var tables = _rotations.Length;
        var codes = new ulong[total * _words];
        var keys = new int[total * tables];
        var block = Math.Max(Block, BlockFor(Count + total));
        Hash(total, i => flat[i], codes, keys, block);
        return () =>
        {
            var wanted = Math.Max(_block, BlockFor(Count + total));
            if (wanted != _block) Relayout(wanted);
            if (block != _block) Hash(total, i => flat[i], codes, keys, _block);
            Counted(_slots.Put(people, codes, (slot, at) => Link(slot, keys.AsSpan(at * tables, tables))));
        };
    }

    /// <inheritdoc />
    protected override IReadOnlyList<Candidate> Search(float[] query, int count)
    {
        var scratch = Scratch.For(_bits, _rotations.Length, Dimensions);
        var code = scratch.Code.AsSpan(0, _words);
        var rotated = scratch.Rotated.AsSpan(0, _bits);
        // The first rotation gives the sign code (and the first tables' hashes).
        _rotations[0].Rotate(query, rotated);
        SignCodeMatcher.SignsOf(rotated, code);
        var nearest = new SignCodeMatcher.NearestCodes(Math.Min(Math.Max(count, _settings.RerankDepth), Count));
        if (Count <= _settings.ScanUpTo)
        {
            // A short list: every code compared (cheaper than probing, and the order is exact search's up to the depth).
            _slots.Scan(code, nearest);
            Interlocked.Increment(ref _searches);
            Interlocked.Add(ref _candidates, Count);
            return _slots.Rerank(query, count, nearest, scratch.Values);
        }
        var block = _block;
        var ranks = Math.Min(MaxRank, block);
        var perRotation = _bits / (2 * block);
        var queue = scratch.Queue;
        queue.Clear();
        for (var t = 0; t < _rotations.Length; t++)
        {
            // Each rotation gives the blocks of bits / 2m tables.
            if (t > 0 && t % perRotation == 0) _rotations[t / perRotation].Rotate(query, rotated);
            for (var b = 0; b < 2; b++)
            {
                var at = (2 * t + b) * MaxRank;
                RankBlock(rotated.Slice((2 * (t % perRotation) + b) * block, block), scratch.Hashes.AsSpan(at, ranks), scratch.Costs.AsSpan(at, ranks));
            }
            queue.Enqueue(Pack(t, 0, 0, 0), 0f);
        }
        // The keys to visit depend on the capture only, not on what the buckets hold: first every probe's bucket head
        // is read (independent loads the processor overlaps), then the buckets are walked side by side, one link of
        // each per round, so that the loads of different buckets' templates overlap too.
        var keyWidth = 2 * block;
        var probes = ProbesFor(block);
        var (tables, slots) = scratch.Frontier(probes);
        var live = 0;
        for (var probe = probes; probe > 0 && queue.TryDequeue(out var entry, out _); probe--)
        {
            var (t, r0, r1, pivot) = Unpack(entry);
            var hashes = scratch.Hashes.AsSpan(2 * t * MaxRank, 2 * MaxRank);
            // Hashes are coordinate·2 + sign, numbered within their block: the key is (first, second) in base 2m.
            var head = _heads[t][hashes[r0] * keyWidth + hashes[MaxRank + r1]];
            if (head >= 0) (tables[live], slots[live++]) = (t, head);
            var costs = scratch.Costs.AsSpan(2 * t * MaxRank, 2 * MaxRank);
            if (pivot == 0 && r0 + 1 < ranks) queue.Enqueue(Pack(t, r0 + 1, r1, 0), costs[r0 + 1] + costs[MaxRank + r1]);
            if (r1 + 1 < ranks) queue.Enqueue(Pack(t, r0, r1 + 1, 1), costs[r0] + costs[MaxRank + r1 + 1]);
        }
        var codes = _slots.Codes;
        var examined = 0;
        while (live > 0)
        {
            var still = 0;
            for (var i = 0; i < live; i++)
            {
                var slot = slots[i];
                var distance = Hamming(codes, code, slot);
                if (distance < nearest.Bound && !nearest.Contains(slot)) nearest.Add(distance, slot);
                var next = _next[tables[i]][slot];
                if (next >= 0) (tables[still], slots[still++]) = (tables[i], next);
            }
            examined += live;
            live = still;
        }
        Interlocked.Increment(ref _searches);
        Interlocked.Add(ref _candidates, examined);
        return _slots.Rerank(query, count, nearest, scratch.Values);
    }

    /// <summary>
    /// The block's coordinates by descending magnitude, as hashes (coordinate within the block · 2, + 1 when negative)
    /// and costs (the first's magnitude minus this one's), the <c>hashes.Length</c> largest.
    /// </summary>
    private static void RankBlock(ReadOnlySpan<float> values, Span<int> hashes, Span<float> costs)
    {
        var ranks = hashes.Length;
        var filled = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var magnitude = Math.Abs(values[i]);
            if (filled == ranks && magnitude <= costs[ranks - 1]) continue;
            var j = filled < ranks ? filled++ : ranks - 1;
            for (; j > 0 && costs[j - 1] < magnitude; j--)
            {
                costs[j] = costs[j - 1];
                hashes[j] = hashes[j - 1];
            }
            costs[j] = magnitude;
            hashes[j] = 2 * i + (values[i] < 0 ? 1 : 0);
        }
        for (var r = filled - 1; r >= 0; r--) costs[r] = costs[0] - costs[r];
    }

    /// <summary>A template's hash in one block: the coordinate of largest magnitude · 2, + 1 when it is negative.</summary>
    private static int HashOf(ReadOnlySpan<float> block)
    {
        var best = 0;
        var magnitude = -1f;
        for (var i = 0; i < block.Length; i++)
        {
            var a = Math.Abs(block[i]);
            if (a > magnitude) (best, magnitude) = (i, a);
        }
        return 2 * best + (block[best] < 0 ? 1 : 0);
    }

    /// <summary>The sign codes and table keys (for block size <paramref name="block"/>) of <paramref name="count"/> templates.</summary>
    private void Hash(int count, Func<int, float[]> template, ulong[] codes, int[] keys, int block)
    {
        var tables = _rotations.Length;
        var perRotation = _bits / (2 * block);
        void One(int i, float[] rotated)
        {
            var values = template(i);
            for (var t = 0; t < tables; t++)
            {
                if (t % perRotation == 0) _rotations[t / perRotation].Rotate(values, rotated);
                if (t == 0) SignCodeMatcher.SignsOf(rotated.AsSpan(0, _bits), codes.AsSpan(i * _words, _words));
                var at = 2 * (t % perRotation) * block;
                keys[i * tables + t] = HashOf(rotated.AsSpan(at, block)) * 2 * block + HashOf(rotated.AsSpan(at + block, block));
            }
        }
        if (count < 256)
        {
            var rotated = new float[_bits];
            for (var i = 0; i < count; i++) One(i, rotated);
            return;
        }
        Parallel.For(0, count, () => new float[_bits], (i, _, rotated) =>
        {
            One(i, rotated);
            return rotated;
        }, _ => { });
    }

    /// <summary>Every held template hashed again with block size <paramref name="block"/> (the list outgrew the layout).</summary>
    private void Relayout(int block)
    {
        _block = block;
        _heads = NewHeads(block);
        if (Count == 0) return;
        var tables = _rotations.Length;
        var held = Enumerable.Range(0, _slots.High).Where(s => _slots.Owners[s] is not null).ToArray();
        var keys = new int[held.Length * tables];
        Hash(held.Length, i =>
        {
            var values = new float[Dimensions];
            TensorPrimitives.ConvertToSingle(_slots.Values.AsSpan(held[i] * Dimensions, Dimensions), values);
            return values;
        }, new ulong[held.Length * _words], keys, block);
        for (var i = 0; i < held.Length; i++) Link(held[i], keys.AsSpan(i * tables, tables));
    }

    private int[][] NewHeads(int block)
    {
        var heads = new int[_rotations.Length][];
        for (var t = 0; t < heads.Length; t++)
        {
            heads[t] = new int[4 * block * block];
            Array.Fill(heads[t], -1);
        }
        return heads;
    }

    /// <summary>Puts <paramref name="slot"/> at the head of its bucket in every table (previous: −(key + 1) at a head).</summary>
    private void Link(int slot, ReadOnlySpan<int> keys)
    {
        for (var t = 0; t < keys.Length; t++)
        {
            var head = _heads[t][keys[t]];
            _next[t][slot] = head;
            _previous[t][slot] = -(keys[t] + 1);
            if (head >= 0) _previous[t][head] = slot;
            _heads[t][keys[t]] = slot;
        }
    }

    private void Unlink(int slot)
    {
        for (var t = 0; t < _rotations.Length; t++)
        {
            var (previous, next) = (_previous[t][slot], _next[t][slot]);
            if (previous >= 0) _next[t][previous] = next;
            else _heads[t][-previous - 1] = next;
            if (next >= 0) _previous[t][next] = previous;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Hamming(ulong[] codes, ReadOnlySpan<ulong> code, int slot)
    {
        var held = codes.AsSpan(slot * _words, _words);
        var distance = 0;
        for (var w = 0; w < held.Length; w++) distance += BitOperations.PopCount(held[w] ^ code[w]);
        return distance;
    }

    private static int Pack(int table, int r0, int r1, int pivot) => table << 16 | r0 << 8 | r1 << 1 | pivot;

    private static (int Table, int R0, int R1, int Pivot) Unpack(int entry) => (entry >> 16, (entry >> 8) & 0xFF, (entry >> 1) & 0x7F, entry & 1);

    /// <inheritdoc />
    protected override bool RemoveHeld(PersonRef person)
    {
        var forgotten = _slots.Remove(person);
        Counted(-forgotten);
        return forgotten > 0;
    }

    /// <summary>A search's working memory, one per thread.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? t_current;

        private Scratch(int bits, int tables, int dimensions)
        {
            Rotated = new float[bits];
            Code = new ulong[bits / 64];
            Values = new float[dimensions];
            Hashes = new int[2 * tables * MaxRank];
            Costs = new float[2 * tables * MaxRank];
        }

        public float[] Rotated { get; }

        public ulong[] Code { get; }

        public float[] Values { get; }

        public int[] Hashes { get; }

        public float[] Costs { get; }

        public PriorityQueue<int, float> Queue { get; } = new();

        private int[] _tables = [];
        private int[] _slots = [];

        /// <summary>Room for the buckets of <paramref name="probes"/> probes: each one's table and current template.</summary>
        public (int[] Tables, int[] Slots) Frontier(int probes)
        {
            if (_tables.Length < probes) (_tables, _slots) = (new int[probes], new int[probes]);
            return (_tables, _slots);
        }

        public static Scratch For(int bits, int tables, int dimensions)
        {
            var current = t_current;
            if (current is null || current.Rotated.Length < bits || current.Hashes.Length < 2 * tables * MaxRank || current.Values.Length != dimensions)
            {
                t_current = current = new Scratch(bits, tables, dimensions);
            }
            return current;
        }
    }
}

/// <summary>Multi-probe LSH matcher settings (section <c>Identification:Lsh</c>).</summary>
public sealed class LshSettings
{
    /// <summary>Hash tables (each a rotation and two cross-polytope hashes); each costs a rotation per capture and 8 bytes per template.</summary>
    public int Tables { get; init; } = 32;

    /// <summary>Scale of the keys visited per capture: <c>ProbeFactor · (2m)^0.7</c> (12 gives recall@1 about 0.995 at cosine 0.7 with 32 tables).</summary>
    public double ProbeFactor { get; init; } = 12;

    /// <summary>Templates per key the block size aims at (the keys per table grow with the list).</summary>
    public double TargetOccupancy { get; init; } = 4;

    /// <summary>How many candidates nearest by sign-code Hamming distance are re-ranked by exact cosine (at least the count asked for).</summary>
    public int RerankDepth { get; init; } = 16;

    /// <summary>Lists of at most this many templates are scanned whole (every sign code compared), which is cheaper there than probing.</summary>
    public int ScanUpTo { get; init; } = 2048;

    /// <summary>Seed of the rotations.</summary>
    public int Seed { get; init; } = 20261207;
}
