using Mtaeda.Identification.Domain;
using static Mtaeda.Identification.Tests.SignCodeMatcherTests;

namespace Mtaeda.Identification.Tests;

/// <summary>
/// The multi-probe LSH matcher (<see cref="MultiProbeLshMatcher"/>) against exact search (<see cref="ExactMatcher"/>) on
/// face-like data: 512-value random unit templates and captures that are noisy copies of them.
/// </summary>
public sealed class MultiProbeLshMatcherTests
{
    private const int Dimensions = 512;
    private static readonly MatchPolicy Policy = new(OffenderThreshold: 0.55f, PassengerThreshold: 0.6f);

    [Fact]
    public void Captures_are_decided_as_exact_search_decides_them_while_a_fraction_of_the_list_is_examined()
    {
        const int people = 10_000;
        const int captures = 200;
        var random = new Random(11);
        var matcher = new MultiProbeLshMatcher(Dimensions);
        var (templates, exact) = Listed(matcher, people, random);
        // Captures of listed people at cosine 0.7 ± 0.03 to their template (a second photo of the same face).
        var (found, foundExactly, nearestAgrees, decisionsAgree, strangersMatched) = CompareWithExact(matcher, exact, templates, random, 0.7, captures);
        Assert.Equal(captures, foundExactly);
        Assert.Equal(foundExactly, found);
        Assert.Equal(captures, nearestAgrees);
        Assert.Equal(2 * captures, decisionsAgree);
        Assert.Equal(0, strangersMatched);
        // Sublinear: each capture compared a small share of the list's codes.
        var perSearch = matcher.CandidatesExamined / (double)matcher.Searches;
        Assert.True(perSearch < people / 10.0, $"{perSearch:F0} templates examined per capture of {people}");
    }

    [Fact]
    public void Captures_at_cosine_0_6_are_mostly_found()
    {
        const int people = 10_000;
        var random = new Random(12);
        var matcher = new MultiProbeLshMatcher(Dimensions);
        var (templates, exact) = Listed(matcher, people, random);
        var (found, foundExactly, wrong) = (0, 0, 0);
        for (var q = 0; q < 300; q++)
        {
            var who = random.Next(people);
            var capture = Noisy(random, templates[who], similarity: 0.6);
            var match = Policy.Identify(matcher, capture);
            var reference = Policy.Identify(exact, capture);
            if (reference?.Person == Person(who)) foundExactly++;
            if (match is not null && match.Person == reference?.Person) found++;
            else if (match is not null) wrong++;
        }
        // The harder case: a capture the probes miss is not matched (never matched to someone else).
        Assert.Equal(0, wrong);
        Assert.True(found >= foundExactly * 0.95, $"{found} of the {foundExactly} captures exact search matches were found");
    }

    [Fact]
    public void A_short_list_is_scanned_whole_and_its_order_is_exact_search_s()
    {
        var random = new Random(5);
        var templates = Enumerable.Range(0, 16).Select(_ => Unit(random)).ToArray();
        var exact = new ExactMatcher(Dimensions);
        var matcher = new MultiProbeLshMatcher(Dimensions);
        for (var i = 0; i < templates.Length; i++)
        {
            exact.Put(Person(i), [new StoredTemplate("t", templates[i])]);
            matcher.Put(Person(i), [new StoredTemplate("t", templates[i])]);
        }
        var capture = Noisy(random, templates[7], similarity: 0.7);
        var expected = exact.Nearest(capture, 8);
        var actual = matcher.Nearest(capture, 8);
        Assert.Equal(expected.Select(c => c.Person), actual.Select(c => c.Person));
        foreach (var (e, a) in expected.Zip(actual)) Assert.Equal(e.Similarity, a.Similarity, 3); // 16-bit storage
        Assert.Equal(templates.Length, matcher.Nearest(capture, int.MaxValue).Count);
        Assert.Throws<ArgumentException>(() => matcher.Nearest(new float[Dimensions - 1], 8));
        Assert.Throws<ArgumentException>(() => matcher.Put(Person(1), [new StoredTemplate("t", new float[3])]));
    }

    [Fact]
    public void Adding_updating_and_removing_people_is_reflected_in_matches_across_a_relayout()
    {
        // Probing from the first template (no whole scan), with small buckets so the list outgrows its first layout.
        var matcher = new MultiProbeLshMatcher(Dimensions, new LshSettings { ScanUpTo = 0, TargetOccupancy = 0.25 });
        var firstBlock = matcher.Block;
        AssertChangesAreReflected(matcher, new Random(17));
        Assert.True(matcher.Block > firstBlock, $"the block stayed {matcher.Block}");
    }

    [Fact]
    public async Task Searches_run_while_the_list_changes()
    {
        var random = new Random(23);
        var matcher = new MultiProbeLshMatcher(Dimensions, new LshSettings { ScanUpTo = 0, TargetOccupancy = 0.05 });
        var steady = Unit(random);
        matcher.Put(Person(0), [new StoredTemplate("t", steady)]);
        var churn = Enumerable.Range(0, 300).Select(_ => Unit(random)).ToArray();
        var capture = Noisy(random, steady, similarity: 0.7);
        var changes = Task.Run(() =>
        {
            // Adds (one by one and in batches, crossing relayouts the first time) and removals.
            for (var round = 0; round < 10; round++)
            {
                for (var i = 1; i < churn.Length / 2; i++) matcher.Put(Person(i), [new StoredTemplate("t", churn[i])]);
                matcher.PutMany([.. Enumerable.Range(churn.Length / 2, churn.Length / 2).Select(i => (Person(i), (IReadOnlyList<StoredTemplate>)[new StoredTemplate("t", churn[i])]))]);
                for (var i = 1; i < churn.Length; i++) matcher.Remove(Person(i));
            }
        }, TestContext.Current.CancellationToken);
        var searches = 0;
        while (!changes.IsCompleted || searches == 0)
        {
            Assert.Equal(Person(0), Policy.Identify(matcher, capture)?.Person);
            searches++;
        }
        await changes;
        Assert.Equal(1, matcher.Count);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(512)]
    public void The_fast_Hadamard_transform_is_the_Hadamard_matrix_product(int length)
    {
        var random = new Random(length);
        var x = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var expected = new float[length];
        for (var i = 0; i < length; i++)
        {
            double sum = 0;
            // H[i, j] = (−1)^popcount(i & j) (Sylvester's order).
            for (var j = 0; j < length; j++) sum += (System.Numerics.BitOperations.PopCount((uint)(i & j)) % 2 == 0 ? 1 : -1) * x[j];
            expected[i] = (float)sum;
        }
        var vectorized = (float[])x.Clone();
        var scalar = (float[])x.Clone();
        HadamardRotation.Transform(vectorized);
        HadamardRotation.Transform(scalar, vectorized: false);
        for (var i = 0; i < length; i++)
        {
            Assert.Equal(expected[i], vectorized[i], 3);
            Assert.Equal(expected[i], scalar[i], 3);
        }
    }
}
