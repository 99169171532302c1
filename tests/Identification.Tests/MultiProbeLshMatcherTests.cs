using static Mtaeda.Identification.Tests.Support.Faces;

namespace Mtaeda.Identification.Tests;

/// <summary>
/// The multi-probe LSH matcher (<see cref="MultiProbeLshMatcher"/>) against exact search: at 10,000 templates, captures at
/// cosine 0.7 ± 0.03 to their template (a second photo of the same face) are all found and decided as exact search
/// decides them while a small share of the list is examined; at cosine 0.6 most are found and none wrongly; changes
/// carry across a re-layout; and the Hadamard transform.
/// </summary>
public sealed class MultiProbeLshMatcherTests : ApproximateMatcherTests<MultiProbeLshMatcher>
{
    /// <inheritdoc />
    protected override double CaptureSimilarity => 0.7;

    /// <inheritdoc />
    protected override double FoundAtLeast => 1.0;

    /// <inheritdoc />
    protected override MultiProbeLshMatcher Create() => new(Dimensions);

    /// <inheritdoc />
    /// <remarks>Probing from the first template (no whole scan), with small buckets so that the list outgrows its first layout.</remarks>
    protected override MultiProbeLshMatcher CreateForChanges() => new(Dimensions, new LshSettings { ScanUpTo = 0, TargetOccupancy = 0.25 });

    /// <inheritdoc />
    /// <remarks>Buckets so small that the 300 people of the test outgrow the first layout while searches run.</remarks>
    protected override MultiProbeLshMatcher CreateForSearchesWhileChanging() => new(Dimensions, new LshSettings { ScanUpTo = 0, TargetOccupancy = 0.05 });

    /// <inheritdoc />
    /// <remarks>Sublinear: each capture compared a small share of the list's codes.</remarks>
    protected override void AfterDecisions(MultiProbeLshMatcher matcher, int people)
    {
        var perSearch = matcher.CandidatesExamined / (double)matcher.Searches;
        Assert.True(perSearch < people / 10.0, $"{perSearch:F0} templates examined per capture of {people}");
    }

    /// <inheritdoc />
    protected override void AfterChanges(MultiProbeLshMatcher matcher) =>
        Assert.True(matcher.Block > matcher.BlockFor(0), $"the block stayed {matcher.Block}");

    [Fact]
    public void Captures_at_cosine_0_6_are_mostly_found()
    {
        const int people = 10_000;
        var random = new Random(12);
        var matcher = Create();
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
