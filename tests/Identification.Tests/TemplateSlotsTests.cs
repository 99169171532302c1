using static Mtaeda.Identification.Tests.Support.Faces;

namespace Mtaeda.Identification.Tests;

/// <summary>
/// The sign-code matchers' template store (<see cref="TemplateSlots"/>): a slot per template holding its code, its values
/// and its owner; a forgotten person's slots wiped and taken again first; the arrays grown for a whole batch.
/// </summary>
public sealed class TemplateSlotsTests
{
    private const int Words = 2;
    private const int Dimensions = 4;

    private static StoredTemplate Template(string id, params float[] values) => new(id, values);

    // One code per template: word 0 numbers it, word 1 is zero.
    private static ulong[] Codes(params ulong[] numbers) => [.. numbers.SelectMany(n => new[] { n, 0UL })];

    [Fact]
    public void Templates_are_held_one_slot_each_and_a_forgotten_persons_slots_are_wiped_and_taken_again()
    {
        var grown = new List<int>();
        var forgotten = new List<(int Slot, PersonRef? Owner)>();
        TemplateSlots? slots = null;
        slots = new TemplateSlots(Words, Dimensions, grown.Add, slot => forgotten.Add((slot, slots!.Owners[slot]?.Person)));
        var held = new List<(int Slot, int At)>();

        // Two people, three templates, in one batch: slots 0, 1, 2 in order, the arrays grown once.
        Assert.Equal(3, slots.Put([(Person(1), [Template("a", 1, 0, 0, 0), Template("b", 0, 1, 0, 0)]), (Person(2), [Template("c", 0, 0, 1, 0)])],
            Codes(11, 12, 13), (slot, at) => held.Add((slot, at))));
        Assert.Equal([(0, 0), (1, 1), (2, 2)], held);
        Assert.Equal([16], grown);
        Assert.Equal(3, slots.High);
        Assert.Equal((Person(1), "b"), (slots.Owners[1]!.Person, slots.Owners[1]!.TemplateId));
        Assert.Equal([12UL, 0UL], slots.Codes.AsSpan(1 * Words, Words).ToArray());
        Assert.Equal((Half)1, slots.Values[2 * Dimensions + 2]);

        // Replacing person 1's two templates by one: both slots forgotten (told first, owner still there), then one taken again.
        Assert.Equal(-1, slots.Put([(Person(1), [Template("d", 0, 0, 0, 1)])], Codes(14)));
        Assert.Equal([(1, Person(1)), (0, Person(1))], forgotten.OrderByDescending(f => f.Slot));
        var reused = Array.FindIndex(slots.Owners, o => o?.TemplateId == "d");
        Assert.InRange(reused, 0, 1);
        var free = 1 - reused;
        Assert.Null(slots.Owners[free]);
        Assert.All(slots.Codes.AsSpan(free * Words, Words).ToArray(), w => Assert.Equal(0UL, w));
        Assert.All(slots.Values.AsSpan(free * Dimensions, Dimensions).ToArray(), v => Assert.Equal((Half)0, v));
        Assert.Equal(3, slots.High);

        // Removing: what was held is counted; an unknown person changes nothing. An empty put forgets.
        Assert.Equal(1, slots.Remove(Person(2)));
        Assert.Equal(0, slots.Remove(Person(2)));
        Assert.Equal(-1, slots.Put([(Person(1), [])], []));
        Assert.All(slots.Owners, Assert.Null);
        Assert.Equal([16], grown);
    }

    [Fact]
    public void A_batch_larger_than_twice_the_capacity_grows_the_arrays_once_to_fit_it()
    {
        var grown = new List<int>();
        var slots = new TemplateSlots(Words, Dimensions, grown.Add);
        var people = Enumerable.Range(0, 40).Select(i => (Person(i), (IReadOnlyList<StoredTemplate>)[Template("t", 1, 0, 0, 0)])).ToList();
        Assert.Equal(40, slots.Put(people, new ulong[40 * Words]));
        Assert.Equal([40], grown);
        Assert.Equal(40 * Words, slots.Codes.Length);
        Assert.Equal(40 * Dimensions, slots.Values.Length);
    }

    [Fact]
    public void The_scan_keeps_the_nearest_codes_and_the_rerank_orders_them_by_cosine()
    {
        var slots = new TemplateSlots(Words, Dimensions);
        // Codes at Hamming distance 1, 2 and 3 from the query's (0); cosines to the query 0.6, 1 and 0.8.
        slots.Put([
            (Person(1), [Template("a", 0.6f, 0.8f, 0, 0)]),
            (Person(2), [Template("b", 1, 0, 0, 0)]),
            (Person(3), [Template("c", 0.8f, 0.6f, 0, 0)]),
        ], Codes(0b1, 0b11, 0b111));
        Assert.Equal(1, slots.Remove(Person(3)));
        var nearest = new SignCodeMatcher.NearestCodes(2);
        slots.Scan([0, 0], nearest);
        // The removed template is not scanned; both others are kept.
        Assert.Equal([0, 1], Enumerable.Range(0, nearest.Count).Select(nearest.Slot).Order());
        var ranked = slots.Rerank([1, 0, 0, 0], 8, nearest, new float[Dimensions]);
        Assert.Equal([Person(2), Person(1)], ranked.Select(c => c.Person));
        Assert.Equal(1f, ranked[0].Similarity, 3);
        Assert.Equal(0.6f, ranked[1].Similarity, 3);
    }
}
