namespace Mtaeda.Equipment.Tests.Support;

/// <summary>A test class whose tests each run over a fresh <see cref="ActorWorld"/>, disposed after the test.</summary>
public abstract class ActorWorldTest : IDisposable
{
    /// <summary>The test's actors.</summary>
    protected ActorWorld World { get; } = new();

    /// <inheritdoc />
    public void Dispose()
    {
        World.Dispose();
        GC.SuppressFinalize(this);
    }
}
