using System.Numerics.Tensors;

namespace Mtaeda.Identification.Domain;

/// <summary>
/// The templates a sign-code matcher holds (<see cref="SignCodeMatcher"/>, <see cref="MultiProbeLshMatcher"/>), one slot
/// each: slot s owns <see cref="Codes"/>[s·w .. s·w + w) (its sign code, w words), <see cref="Values"/>[s·d .. s·d + d)
/// (its values as 16-bit floats) and <see cref="Owners"/>[s] (whose template it is; null for a free slot). Slots below
/// <see cref="High"/> were used; a forgotten person's slots are wiped (code, values, owner) and taken again first.
/// The arrays grow (doubling, or to fit a batch) only while a batch is put. Not thread-safe: the matcher's lock guards it
/// (changes under the write lock, reads under the read lock).
/// </summary>
internal sealed class TemplateSlots
{
    private readonly Dictionary<PersonRef, int[]> _byPerson = [];
    private readonly Stack<int> _free = new();
    private readonly int _words;
    private readonly int _dimensions;
    private readonly Action<int>? _grown;
    private readonly Action<int>? _forgetting;

    /// <summary>Creates an empty store.</summary>
    /// <param name="words">Words (64 bits) per sign code.</param>
    /// <param name="dimensions">Values per template.</param>
    /// <param name="grown">Called with the new capacity (in slots) when the arrays grew, for a matcher's own per-slot arrays.</param>
    /// <param name="forgetting">Called with a slot about to be wiped, before anything of it is cleared.</param>
    public TemplateSlots(int words, int dimensions, Action<int>? grown = null, Action<int>? forgetting = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(words, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        (_words, _dimensions, _grown, _forgetting) = (words, dimensions, grown, forgetting);
    }

    /// <summary>The sign codes, <c>words</c> per slot.</summary>
    public ulong[] Codes { get; private set; } = [];

    /// <summary>The values, <c>dimensions</c> per slot.</summary>
    public Half[] Values { get; private set; } = [];

    /// <summary>Whose template each slot holds; null for a free slot.</summary>
    public Owner?[] Owners { get; private set; } = [];

    /// <summary>One past the highest slot ever used.</summary>
    public int High { get; private set; }

    /// <summary>
    /// Makes each person's templates theirs, replacing any held (none: the person is forgotten), given their sign codes
    /// (one after another, in the order of <paramref name="people"/>).
    /// </summary>
    /// <param name="people">The people and their templates.</param>
    /// <param name="codes">Each template's sign code, <c>words</c> each.</param>
    /// <param name="held">Called with each template's slot and its index among all the batch's templates, once the slot holds it.</param>
    /// <returns>How many templates more are held (negative when fewer).</returns>
    public int Put(IReadOnlyList<(PersonRef Person, IReadOnlyList<StoredTemplate> Templates)> people, ReadOnlySpan<ulong> codes, Action<int, int>? held = null)
    {
        var total = codes.Length / _words;
        var change = 0;
        var at = 0;
        foreach (var (person, templates) in people)
        {
            change -= Remove(person);
            if (templates.Count == 0) continue;
            var slots = new int[templates.Count];
            for (var i = 0; i < templates.Count; i++, at++)
            {
                var slot = Take(total - at);
                codes.Slice(at * _words, _words).CopyTo(Codes.AsSpan(slot * _words, _words));
                TensorPrimitives.ConvertToHalf(templates[i].Values, Values.AsSpan(slot * _dimensions, _dimensions));
                Owners[slot] = new Owner(person, templates[i].TemplateId);
                held?.Invoke(slot, at);
                slots[i] = slot;
            }
            _byPerson[person] = slots;
            change += slots.Length;
        }
        return change;
    }

    /// <summary>Forgets the person's templates: their slots wiped and freed.</summary>
    /// <param name="person">The person.</param>
    /// <returns>How many templates were forgotten (0: none were held).</returns>
    public int Remove(PersonRef person)
    {
        if (!_byPerson.Remove(person, out var old)) return 0;
        foreach (var slot in old)
        {
            _forgetting?.Invoke(slot);
            Owners[slot] = null;
            Codes.AsSpan(slot * _words, _words).Clear();
            Values.AsSpan(slot * _dimensions, _dimensions).Clear();
            _free.Push(slot);
        }
        return old.Length;
    }

    /// <summary>Every held code's Hamming distance to <paramref name="code"/>, a block at a time; the nearest kept.</summary>
    /// <param name="code">The capture's sign code.</param>
    /// <param name="nearest">Where the nearest are kept.</param>
    public void Scan(ReadOnlySpan<ulong> code, SignCodeMatcher.NearestCodes nearest)
    {
        const int Block = 512;
        Span<int> distances = stackalloc int[Block];
        var (high, codes, owners) = (High, Codes, Owners);
        for (var from = 0; from < high; from += Block)
        {
            var length = Math.Min(Block, high - from);
            SignCodeMatcher.HammingDistances(codes.AsSpan(from * _words, length * _words), code, distances[..length]);
            for (var i = 0; i < length; i++)
            {
                if (distances[i] < nearest.Bound && owners[from + i] is not null) nearest.Add(distances[i], from + i);
            }
        }
    }

    /// <summary>
    /// The <paramref name="nearest"/> codes' templates compared by cosine with <paramref name="query"/> on their stored
    /// 16-bit values: the <paramref name="count"/> most similar, most similar first (equal similarity in slot order, so
    /// the answer does not depend on the heap's order).
    /// </summary>
    /// <param name="query">The capture's template.</param>
    /// <param name="count">How many at most.</param>
    /// <param name="nearest">The slots to compare.</param>
    /// <param name="values">Room for one template's values as 32-bit floats.</param>
    /// <returns>The candidates.</returns>
    public List<Candidate> Rerank(float[] query, int count, SignCodeMatcher.NearestCodes nearest, Span<float> values)
    {
        var (stored, owners) = (Values, Owners);
        var ranked = new (float Similarity, int Slot)[nearest.Count];
        for (var i = 0; i < ranked.Length; i++)
        {
            var slot = nearest.Slot(i);
            TensorPrimitives.ConvertToSingle(stored.AsSpan(slot * _dimensions, _dimensions), values);
            ranked[i] = (TensorPrimitives.Dot(query, values), slot);
        }
        Array.Sort(ranked, static (a, b) => a.Similarity != b.Similarity ? b.Similarity.CompareTo(a.Similarity) : a.Slot.CompareTo(b.Slot));
        var candidates = new List<Candidate>(Math.Min(count, ranked.Length));
        for (var i = 0; i < candidates.Capacity; i++)
        {
            var owner = owners[ranked[i].Slot]!;
            candidates.Add(new Candidate(owner.Person, owner.TemplateId, ranked[i].Similarity));
        }
        return candidates;
    }

    /// <summary>A free slot, or the next one, the arrays grown when full (at least doubled, and to fit what the batch still adds).</summary>
    private int Take(int stillToAdd)
    {
        if (_free.TryPop(out var slot)) return slot;
        if (High == Owners.Length)
        {
            var capacity = Math.Max(Math.Max(16, Owners.Length * 2), High + stillToAdd);
            var (owners, codes, values) = (Owners, Codes, Values);
            Array.Resize(ref owners, capacity);
            Array.Resize(ref codes, capacity * _words);
            Array.Resize(ref values, capacity * _dimensions);
            (Owners, Codes, Values) = (owners, codes, values);
            _grown?.Invoke(capacity);
        }
        return High++;
    }

    /// <summary>Whose template a slot holds.</summary>
    internal sealed record Owner(PersonRef Person, string TemplateId);
}
